"""Build corpus/maintenance-guide.pdf, the PDF in the retrieval evaluation corpus.

    .venv/bin/python bench/retrieval/make_pdf.py           # write the PDF
    .venv/bin/python bench/retrieval/make_pdf.py --text    # print the text it contains

Needs fpdf2 (pip install fpdf2==2.8.9). The core PDF fonts only encode Latin-1, so the text
below is English with plain ASCII punctuation (plus the degree sign).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus" / "maintenance-guide.pdf"

TITLE = "Lina Brews - Home Coffee Gear Maintenance Guide"

# Each page: a list of (kind, text) where kind is "h1", "h2", "p" or "li".
PAGES: list[list[tuple[str, str]]] = [
    [
        ("h1", TITLE),
        ("p", "A printable guide to keeping my home coffee gear clean and working. Stick it "
              "inside a cupboard door and tick things off."),
        ("p", "Why bother? Old coffee oil tastes rancid, and scale slowly kills kettles and "
              "boilers. Ten minutes a week saves a lot of money on repairs."),
        ("h2", "The maintenance calendar"),
        ("li", "After every use: flush the group, purge the steam wand, brush the grinder."),
        ("li", "Every Sunday: backflush with water, soak the brewers in oxygen cleaner."),
        ("li", "Every 2 weeks: clean the Eureka Mignon espresso grinder."),
        ("li", "Every month: descale the Gaggia, clean the shower screen, check the scale "
               "with a calibration weight."),
        ("li", "Every 2 months: descale the kettle."),
        ("li", "Every 3 months: take the Comandante apart for a full clean."),
        ("li", "Every 12 months: replace the group gasket and the moka pot gasket."),
    ],
    [
        ("h2", "1. Espresso machine (Gaggia Classic Pro)"),
        ("p", "Daily: after the last shot, run water through the group head for 5 seconds "
              "with no portafilter in it, then wipe the gasket area with a damp cloth. Purge "
              "the steam wand for 2 seconds and wipe it right after steaming, before the "
              "milk dries on."),
        ("p", "Weekly backflush: put the blind basket in the portafilter, lock it in, and "
              "switch the pump on for 10 seconds, off for 10 seconds, five times. Water only, "
              "no detergent. Then pull one short rinse shot without the blind basket."),
        ("p", "Monthly descale: I use citric acid. Dissolve 25 g of citric acid in 1 litre "
              "of warm water and pour it into the empty reservoir. Run half of it through the "
              "group head and the other half through the steam wand, then switch the machine "
              "off and let it rest for 20 minutes. Finish by running two full tanks of clean "
              "filtered water through the group and the wand."),
        ("p", "Shower screen: once a month, unscrew it with a flat screwdriver and soak it "
              "for 15 minutes in hot water with 3 g of espresso machine cleaning powder. "
              "Rinse and screw it back."),
        ("p", "Group gasket: replace it every 12 months, or sooner if water leaks around the "
              "portafilter during a shot."),
    ],
    [
        ("h2", "2. Kettle (Fellow Stagg EKG)"),
        ("p", "Descale every 2 months, or when you see white spots on the bottom. Fill the "
              "kettle halfway, add 1 tablespoon of citric acid, heat it to 80°C and leave it "
              "for 30 minutes. Pour it out and rinse three times with fresh water. Never put "
              "the electric base in water; wipe it with a dry cloth."),
        ("h2", "3. Hand grinder (Comandante C40 MK4)"),
        ("p", "After every use, brush the burrs and the catch cup with a dry brush. Every 3 "
              "months, take it apart completely: remove the burr, wipe off the oil with a dry "
              "cloth, and use a soft brush on the threads. Never wash the burrs with water "
              "and never grind rice to clean a grinder; rice is hard on burrs and motors."),
        ("p", "After the full clean, check the zero point again. My V60 setting stays at "
              "24 clicks."),
        ("h2", "4. Espresso grinder (Eureka Mignon Specialita)"),
        ("p", "Every 2 weeks: unplug it, remove the hopper and the top burr, and vacuum out "
              "the old grounds. Brush the burrs, put everything back, and season the burrs "
              "by grinding about 20 g of old beans before the next real shot. Expect to "
              "adjust the grind by a step or two afterwards."),
    ],
    [
        ("h2", "5. Brewers: V60, AeroPress, Chemex"),
        ("p", "Coffee oil builds up as a brown film. Every Sunday I soak the V60, the server "
              "and the AeroPress parts for 15 minutes in hot water with 1 teaspoon of oxygen "
              "cleaner (sodium percarbonate), then rinse well."),
        ("p", "Store the AeroPress with the plunger pushed all the way through, or with the "
              "plunger out. If you leave the rubber seal squeezed inside the chamber, it "
              "loses its shape and starts to leak."),
        ("h2", "6. Scale (Timemore Black Mirror Basic 2)"),
        ("p", "Once a month I put a 100 g calibration weight on the scale. If it reads more "
              "than 0.2 g off, I recalibrate it following the manual. Keep it away from "
              "the steam wand."),
        ("h2", "7. Moka pot (aluminium Bialetti)"),
        ("p", "Rinse with hot water only, no soap and no dishwasher. Dry all three parts "
              "before screwing it together, or the aluminium turns grey and spotty. Replace "
              "the rubber gasket every year, and check that the safety valve still moves."),
        ("h2", "When to call for repair"),
        ("p", "If the Gaggia pump gets very loud, the pressure gauge (if you fitted one) "
              "stays below 6 bar, or water leaks from under the machine, stop using it and "
              "take it to a repair shop. I do not open the boiler myself, and I would not "
              "recommend that you do."),
    ],
]


def plain_text() -> str:
    """The text written into the PDF, one paragraph per line."""
    return "\n".join(text for page in PAGES for _kind, text in page)


def build(out: Path = OUT) -> None:
    from fpdf import FPDF

    class Guide(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 10, f"Lina Brews maintenance guide - page {self.page_no()}", align="C")

    pdf = Guide(format="A4")
    pdf.set_creation_date(datetime(2026, 3, 1, tzinfo=UTC))
    pdf.set_title(TITLE)
    pdf.set_author("Lina Brews")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    styles = {"h1": ("B", 18, 10), "h2": ("B", 13, 8), "p": ("", 11, 6), "li": ("", 11, 6)}
    for page in PAGES:
        pdf.add_page()
        for kind, text in page:
            style, size, height = styles[kind]
            pdf.set_font("Helvetica", style=style, size=size)
            if kind == "li":
                pdf.set_x(26)
                text = "- " + text
            if kind in ("h1", "h2"):
                pdf.ln(3)
            pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))


if __name__ == "__main__":
    if "--text" in sys.argv[1:]:
        print(plain_text())
    else:
        build()
        print(f"wrote {OUT}")
