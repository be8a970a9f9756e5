"""A hostile diagram stored without deploy's checks still cannot run through the runtime; the
sandbox's own rules are unit-tested in tests/unit/test_scripting.py."""
import pytest
from sqlalchemy import select

from engine.core.errors import WorkflowFault
from engine.definitions.deploy import checksum, shipped_files
from engine.models import ProcessDefinition


def test_a_hostile_diagram_that_skipped_validation_still_cannot_run(env, tmp_path):
    # Store a definition directly, as if validation had been bypassed, then run it.
    target = tmp_path / "pwned"
    bpmn, dmn = shipped_files()
    text = bpmn["complaint.bpmn"].replace(
        'stage = "receive"',
        f"stage = \"receive\"\n__import__('os').system('touch {target}')", 1)
    bpmn = {"complaint.bpmn": text}
    with env.db.write() as s:
        s.add(ProcessDefinition(process_id="complaint", version=2, bpmn_files=bpmn, dmn_files=dmn,
                                checksum=checksum(bpmn, dmn), deployed_at=env.clock.now()))
    with pytest.raises(WorkflowFault, match="stage_receive_enter"):
        env.register()
    assert not target.exists()
    with env.db.read() as s:
        assert s.scalars(select(ProcessDefinition).where(ProcessDefinition.version == 2)).one()
