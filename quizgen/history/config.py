"""The history's saved settings: desired retention and FSRS parameters, read by every session.

They live in the review store itself (its meta table), so they travel with the history they
describe: a learner with two histories (two --state files) has two sets. `quiz --retention` still
overrides the retention for one session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quizgen.scheduler import PARAMETER_COUNT, Settings, check_parameters
from quizgen.store import Store, StoreError

RETENTION = "desired_retention"
PARAMETERS = "fsrs_parameters"
FITTED = "fsrs_fitted"  # JSON: when, on how many reviews, and the held-out figures
RETENTION_RANGE = (0.7, 0.99)  # as `quiz --retention` and Anki's own limits
DEFAULT_RETENTION = 0.9


@dataclass(frozen=True)
class Saved:
    """What a history has saved: None where it keeps the defaults."""

    retention: float | None
    parameters: tuple[float, ...] | None
    fitted: dict[str, Any] | None

    @property
    def desired_retention(self) -> float:
        return DEFAULT_RETENTION if self.retention is None else self.retention

    def to_dict(self) -> dict[str, Any]:
        return {
            "desired_retention": self.desired_retention,
            "retention_saved": self.retention is not None,
            "parameters": list(self.parameters) if self.parameters else None,
            "fitted": self.fitted,
        }


def load(store: Store | None) -> Saved:
    """The saved settings (a missing store has none). A value that does not read back is an
    error that names the store, never silently replaced by a default."""
    if store is None:
        return Saved(None, None, None)
    retention = parameters = fitted = None
    text = store.setting(RETENTION)
    if text is not None:
        try:
            retention = check_retention(float(text))
        except ValueError:
            raise _damaged(store, RETENTION, text) from None
    text = store.setting(PARAMETERS)
    if text is not None:
        try:
            values = json.loads(text)
            if not isinstance(values, list) or len(values) != PARAMETER_COUNT:
                raise ValueError(text)
            parameters = tuple(float(v) for v in values)
        except (ValueError, TypeError):
            raise _damaged(store, PARAMETERS, text) from None
        if check_parameters(parameters) is not None:
            raise _damaged(store, PARAMETERS, text)
    text = store.setting(FITTED)
    if text is not None:
        try:
            fitted = json.loads(text)
        except ValueError:
            raise _damaged(store, FITTED, text) from None
    return Saved(retention, parameters, fitted)


def _damaged(store: Store, key: str, text: str) -> StoreError:
    return StoreError.at(
        store.path,
        f"saved setting {key} does not read back ({text[:60]!r}); reset it with "
        "`quizgen settings --reset`",
    )


def check_retention(value: float) -> float:
    low, high = RETENTION_RANGE
    if not low <= value <= high:
        raise ValueError(f"desired retention must be between {low} and {high}, not {value}")
    return value


def settings(store: Store | None, retention: float | None = None) -> Settings:
    """The scheduler settings for a session on this history: its saved parameters and
    retention, with `retention` (e.g. from `quiz --retention`) overriding the saved one."""
    saved = load(store)
    return Settings(
        desired_retention=saved.desired_retention if retention is None else retention,
        parameters=saved.parameters,
    )


def save_retention(store: Store, retention: float) -> None:
    store.save_settings({RETENTION: repr(check_retention(retention))})


def save_parameters(
    store: Store, parameters: Sequence[float], *, when: datetime, details: dict[str, Any]
) -> None:
    """Save fitted parameters, with when and how they were fitted, in one transaction."""
    problem = check_parameters(parameters)
    if problem is not None:
        raise ValueError(problem)
    store.save_settings(
        {
            PARAMETERS: json.dumps([float(w) for w in parameters]),
            FITTED: json.dumps({"at": when.isoformat(timespec="seconds"), **details}),
        }
    )


def reset(store: Store, *, retention: bool = True, parameters: bool = True) -> None:
    """Go back to the defaults."""
    values: dict[str, str | None] = {}
    if retention:
        values[RETENTION] = None
    if parameters:
        values[PARAMETERS] = values[FITTED] = None
    store.save_settings(values)


def render(saved: Saved, path: Path) -> list[str]:
    """The settings as text lines."""
    retention = f"{saved.desired_retention:.2f}" + (
        " (saved)" if saved.retention is not None else " (default)"
    )
    lines = [f"Review history: {path}", f"Desired retention: {retention}"]
    if saved.parameters is None:
        lines.append("FSRS parameters: fsrs's defaults (`quizgen optimize` fits them to you)")
        return lines
    fitted = saved.fitted or {}
    held = fitted.get("held_out", {})
    when = str(fitted.get("at", "?"))[:10]
    line = f"FSRS parameters: fitted {when} on {fitted.get('items', '?')} reviews"
    if held:
        line += (
            f" (held-out log loss {held['fitted']['log_loss']:.4f} against "
            f"{held['previous']['log_loss']:.4f} before)"
        )
    lines.append(line)
    lines.append("  " + ", ".join(f"{w:.4f}" for w in saved.parameters))
    return lines
