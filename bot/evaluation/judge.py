"""The LLM judge: structured answers (JSON schema) from any OpenAI-compatible endpoint.

It does the model's part of the RAG metrics as ragas defines them: split a reply into claims,
say for each claim whether the context supports it, and write the questions a reply answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import ModelError
from bot.llm import JsonModel

CLAIMS = {
    "name": "claims",
    "schema": {"type": "object", "additionalProperties": False, "required": ["claims"],
               "properties": {"claims": {"type": "array", "items": {"type": "string"}}}},
}
VERDICTS = {
    "name": "verdicts",
    "schema": {"type": "object", "additionalProperties": False, "required": ["verdicts"],
               "properties": {"verdicts": {"type": "array", "items": {
                   "type": "object", "additionalProperties": False,
                   "required": ["claim", "supported", "reason"],
                   "properties": {"claim": {"type": "string"}, "supported": {"type": "boolean"},
                                  "reason": {"type": "string"}}}}}},
}
QUESTIONS = {
    "name": "questions",
    "schema": {"type": "object", "additionalProperties": False,
               "required": ["questions", "noncommittal"],
               "properties": {"questions": {"type": "array", "items": {"type": "string"}},
                              "noncommittal": {"type": "boolean"}}},
}


class Judge(JsonModel):
    """Asks `model` at `base_url` for the RAG metrics' parts, as JSON that follows a schema."""

    def claims(self, question: str, answer: str) -> list[str]:
        data = self.ask(CLAIMS, "Break the answer into short standalone statements of fact, "
                        "each understandable without the others. Leave out greetings, thanks, "
                        "sign-offs and opinions about the viewer. Answer in JSON.",
                        f"Question: {question}\nAnswer: {answer}")
        return [str(c) for c in data.get("claims", []) if str(c).strip()]

    def verdicts(self, claims: Sequence[str], context: Sequence[str]) -> list[bool]:
        if not claims:
            return []
        notes = "\n\n".join(f"[{n}] {text}" for n, text in enumerate(context, 1)) or "(none)"
        listed = "\n".join(f"- {c}" for c in claims)
        data = self.ask(VERDICTS, "For each statement, say whether the context supports it "
                        "directly (supported: true) or not (false: contradicted, or not "
                        "stated). Keep the statements in order. Answer in JSON.",
                        f"Context:\n{notes}\n\nStatements:\n{listed}")
        verdicts = data.get("verdicts", [])
        if len(verdicts) != len(claims):
            raise ModelError(f"the judge gave {len(verdicts)} verdicts for {len(claims)} "
                             "statements")
        return [bool(v.get("supported")) for v in verdicts]

    def questions(self, answer: str, n: int) -> tuple[list[str], bool]:
        data = self.ask(QUESTIONS, f"Write {n} questions that this answer answers, as a "
                        "viewer would ask them. Set noncommittal true if the answer is evasive "
                        "or vague (\"I'm not sure\", \"I'll look into it\"). Answer in JSON.",
                        f"Answer: {answer}")
        return [str(q) for q in data.get("questions", [])][:n], bool(data.get("noncommittal"))
