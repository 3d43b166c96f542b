"""The store's completeness check knows the irises, and the records sealed before them."""

from __future__ import annotations

from sqlalchemy import delete, select

from station.enroll_synthetic import enroll_synthetic
from store.check import check_sealed_complete
from store.models import BiometricItem, Enrollment


def test_a_sealed_record_is_complete_with_its_irises_or_from_before_them_but_not_with_one(core, supervisor):
    enroll_synthetic(core, 3, seed=17, operator=supervisor, approver=supervisor)
    assert check_sealed_complete(core.db).passed
    with core.db.read() as session:
        rows = session.execute(select(Enrollment.id, Enrollment.reg_no).order_by(Enrollment.id).limit(2)).all()
    (first, _), (second, second_reg) = rows
    with core.db.write() as session:  # as a record sealed before the iris step: no iris items at all
        session.execute(
            delete(BiometricItem).where(BiometricItem.enrollment_id == first, BiometricItem.kind.like("iris_%"))
        )
    assert check_sealed_complete(core.db).passed
    with core.db.write() as session:  # one eye lost: neither complete nor from before the irises
        session.execute(
            delete(BiometricItem).where(BiometricItem.enrollment_id == second, BiometricItem.kind == "iris_left")
        )
    result = check_sealed_complete(core.db)
    assert not result.passed and result.problems == [f"{second_reg}: 13 items instead of 14"]
