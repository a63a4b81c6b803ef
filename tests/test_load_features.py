"""One stock's features over many days: the same DataFrame from the saved files
(ticklab.io.features.load_features) as from the gateway (GatewayClient.indicators().to_pandas())."""

from __future__ import annotations

from pathlib import Path

import gateway_harness as h
import pandas as pd
import pytest
import services_env

from ticklab.gateway.client import connect_gateway
from ticklab.io.features import load_features

pytestmark = pytest.mark.usefixtures("require_services")


def test_files_and_gateway_give_the_same_frame(tmp_path: Path) -> None:
    market = services_env.build_market(tmp_path, ticks_per_day=3000)
    first, last = market.days[0], market.days[-1]
    from_files = load_features(market.features, "seed", "AAPL", first, last)
    assert set(from_files["date"]) == set(market.days) and len(from_files) > 0
    assert list(from_files["sequence"]) == list(range(len(from_files)))
    data = h.data_server(market.services_cfg).start()
    ind = h.indicators_server(market.services_cfg, data.address).start()
    gw = h.gateway(market.services_cfg, data=data.address, indicators=ind.address).start()
    try:
        from_gateway = connect_gateway(gw.address).indicators("AAPL", first, last, set="seed").to_pandas()
    finally:
        for p in (gw, ind, data):
            p.stop()
    pd.testing.assert_frame_equal(from_files, from_gateway)
    one_day = load_features(market.features, "seed", "AAPL", last, last)
    assert set(one_day["date"]) == {last} and one_day["sequence"].iloc[0] == 0
