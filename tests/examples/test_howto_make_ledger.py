"""How to compute expectations: ``make_ledger`` models with the endpoint's semantics."""

from collections.abc import Callable

from ledger_fixtures import LedgerModel


def net_topups(entries: list[dict]) -> float:
    """Code under test: the sum of top-ups."""
    return round(sum(e["amount_usd"] for e in entries if e["kind"] == "topup"), 2)


def test_net_topups(make_ledger: Callable[..., LedgerModel]) -> None:
    model = make_ledger(seed=7, size=120, kinds=("topup", "subscription_renew"))

    page = model.query(page=1, page_size=200, kind="topup")  # the body the endpoint would send

    assert net_topups(model.entries) == round(sum(i["amount_usd"] for i in page["items"]), 2)
    assert page["total"] == len(model.select(kind="topup"))
