"""Publishing a built dataset folder to the Hugging Face Hub. The token comes from the environment
variable HF_TOKEN only; it is handed to huggingface_hub for this call and never stored or printed."""

from __future__ import annotations

import os
from pathlib import Path

from annotate.dataset.card import GENERATED_MARKER
from annotate.dataset.checks import DatasetBuildError

TOKEN_VARIABLE = "HF_TOKEN"


class HubPushError(DatasetBuildError):
    """Pushing to the Hub is not possible (no token, not a built dataset, …)."""


def push_dataset_to_hub(out_dir: str | Path, repo_id: str, *, private: bool = True) -> str:
    """Upload a folder made by ``build_dataset`` to the dataset repo ``repo_id`` (created if missing,
    private by default) and return the commit URL."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise HubPushError(
            f"cannot push to the Hugging Face Hub: set {TOKEN_VARIABLE} in the environment "
            "(a write token from https://huggingface.co/settings/tokens); it is never saved"
        )
    out_dir = Path(out_dir)
    readme = out_dir / "README.md"
    if not readme.is_file() or GENERATED_MARKER not in readme.read_text(encoding="utf-8", errors="replace"):
        raise HubPushError(f"{out_dir} is not a dataset folder built by `annotate build`")
    if "/" not in repo_id:
        raise HubPushError(f"repo id {repo_id!r} must look like 'owner/name'")
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    commit = api.upload_folder(
        folder_path=str(out_dir),
        repo_id=repo_id,
        repo_type="dataset",
        commit_message="Upload dataset built with annotate",
    )
    return str(commit)
