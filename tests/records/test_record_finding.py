"""The finding the records checks raise on register records (``record_finding``)."""

from __future__ import annotations

from workbench.records.register import record_finding


def test_record_finding_names_each_record_once_and_its_share_of_the_population() -> None:
    finding = record_finding(
        "version_gap",
        "Template, naming and version control",
        "low",
        "2 document(s) with gaps in their version history",
        "2 of 8 documents jump over a major version.",
        ["R03", "R01", "R03"],
        8,
        "VER",
        recommendation="Locate and register the missing versions.",
        owner_role="Document controller",
    )
    assert finding.entities.type == "record"
    assert finding.entities.ids == ["R03", "R01"]
    assert (finding.population.count, finding.exceptions.count) == (8, 2)
    assert finding.exceptions.share == 0.25
    assert (finding.check, finding.code, finding.severity) == ("version_gap", "VER", "low")
    assert finding.recommendation == "Locate and register the missing versions."
    assert finding.owner_role == "Document controller"
    assert finding.corrective_action == ""
