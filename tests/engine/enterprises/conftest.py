import pytest

from engine.enterprises import register


@pytest.fixture
def enterprise(env):
    """One enterprise of the register in 城关镇 (T01), with an online-monitoring station."""
    return env.run(lambda s, _rt: register.save(s, {
        "credit_code": "91350100M000100Y43", "name": "示范化工有限公司", "address": "城关镇工业园一路 1 号",
        "grid": "T01-A01", "industry": "化学原料和化学制品制造业", "supervision_class": "重点",
        "permit_number": "91350100M000100Y43001P", "permit_expires": "2028-12-31",
        "contacts": "张经理 13800000001", "stations": "ST0001"}, "admin", env.clock.now()))
