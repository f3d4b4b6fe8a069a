"""Re-encrypt every stored secret with the newest TOKEN_KEYS key (`flask ambassador rotate-keys`).

Every mapped column whose name ends in `_enc` is a secret (infra/crypto.py). Rows are read in
primary-key order, in batches; `after_batch` (the CLI passes `db.session.commit`) runs after each
batch, so a long rotation keeps its progress. A value that no configured key can decrypt is
reported and left exactly as it is.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from ..extensions import db
from ..models.base import Model
from . import crypto


@dataclass
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)  # "table.column" → values re-encrypted
    failures: list[tuple[str, object, str]] = field(default_factory=list)  # (table, id, column)

    @property
    def total(self) -> int:
        return sum(self.rotated.values())


def encrypted_columns() -> dict[Any, list[str]]:
    """Each mapped model with its secret (`*_enc`) attributes."""
    found = {}
    for mapper in Model.registry.mappers:
        columns = [attr.key for attr in mapper.column_attrs if attr.key.endswith("_enc")]
        if columns:
            found[mapper.class_] = sorted(columns)
    return dict(sorted(found.items(), key=lambda item: item[0].__tablename__))


def _rotate_model(model: Any, columns: list[str], *, batch_size: int, report: RotationReport,
                  after_batch: Callable[[], None]) -> None:
    pk: Any
    (pk,) = sa.inspect(model).primary_key
    table = model.__tablename__
    last = None
    while True:
        query: Any = sa.select(model).order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        rows = list(db.session.scalars(query))
        if not rows:
            return
        for row in rows:
            for column in columns:
                value = getattr(row, column)
                if value is None:
                    continue
                try:
                    setattr(row, column, crypto.rotate(value))
                except InvalidToken:
                    report.failures.append((table, getattr(row, pk.key), column))
                    continue
                key = f"{table}.{column}"
                report.rotated[key] = report.rotated.get(key, 0) + 1
        last = getattr(rows[-1], pk.key)
        db.session.flush()
        after_batch()


def rotate_all(*, batch_size: int = 200, after_batch: Callable[[], None] = lambda: None) -> RotationReport:
    """Re-encrypt every secret with the first key of TOKEN_KEYS; undecryptable values are only reported."""
    report = RotationReport()
    for model, columns in encrypted_columns().items():
        for column in columns:
            report.rotated.setdefault(f"{model.__tablename__}.{column}", 0)
        _rotate_model(model, columns, batch_size=batch_size, report=report, after_batch=after_batch)
    return report
