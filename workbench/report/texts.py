"""The fixed texts of the deliverables (headings, labels, notes), per report language.

Every format (HTML and PDF, Word, PowerPoint) takes its fixed wording from here, so that a
report set in German says "Inhalt" and "Seite 3 von 40" everywhere. The narrative of the
chapters comes from the playbook notebooks and is not translated. A firm's branding file may
override any single text (``texts: {contents: "Table of contents"}``).

Texts with ``{placeholders}`` are filled with :meth:`Texts.format`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

#: The English texts; every language has the same keys.
ENGLISH: dict[str, str] = {
    # cover and page furniture
    "report_title": "Audit report",
    "report_kicker": "Consolidated report",
    "deck_title": "Audit results",
    "deck_kicker": "Steering committee",
    "engagement": "Engagement",
    "period": "Period under review",
    "report_date": "Report date",
    "currency": "Currency",
    "run": "Run",
    "prepared_by": "Prepared by",
    "confidential": "Confidential",
    "confidentiality": (
        "Confidential. Prepared for {client}. This report contains the client's business "
        "data; it is intended for the addressees of the engagement and may not be passed on "
        "without their consent."
    ),
    "page_of": "Page {page} of {pages}",
    "page": "Page",
    "of": "of",
    "contents": "Contents",
    "contents_hint": (
        "Page numbers appear when the table of contents is updated (in Word: right-click it "
        "and choose Update Field)."
    ),
    "draft_version": "Audit Workbench {version}",
    "date": "{day} {month} {year}",
    "months": (
        "January,February,March,April,May,June,July,August,September,October,November,December"
    ),
    # executive summary
    "executive_summary": "Executive summary",
    "lede_one": "This report presents the {title} of {client}{period}.",
    "lede_many": "This report brings together {count} reviews of {client}{period}.",
    "lede_period": " for {period}",
    "lede_findings": "They raised {findings}, {severe} of them critical or high{value}.",
    "findings_count": "{count} findings",
    "finding_count": "1 finding",
    "lede_value": ", on exceptions worth {value} in total",
    "lede_none": "No finding was raised.",
    "lede_incomplete": "{count} reviews could not be completed ({titles}); see their chapters.",
    "lede_incomplete_one": "1 review could not be completed ({titles}); see its chapter.",
    "kpi_findings": "findings",
    "kpi_severe": "critical or high",
    "kpi_value": "value of exceptions",
    "kpi_score": "score out of 100",
    "kpi_reviews": "reviews",
    "findings_by_severity": "Findings by severity and area",
    "top_findings": "Top findings",
    "top_findings_note": (
        "The {count} most severe findings, then by value and number of exceptions. Every "
        "finding is in the findings register."
    ),
    "results_by_review": "Results by review",
    "scores_note": (
        "Scores run from 0 to 100; each review computes its score from its own checks, as set "
        "out in the method appendix."
    ),
    "no_findings": "No finding was raised.",
    "did_not_complete": "Did not complete",
    # table headings
    "area": "Area",
    "all_areas": "All areas",
    "total": "Total",
    "finding": "Finding",
    "severity": "Severity",
    "exceptions": "Exceptions",
    "share": "Share",
    "value": "Value ({currency})",
    "review": "Review",
    "score": "Score",
    "checks_not_run": "Checks not run",
    "id": "ID",
    "owner": "Owner",
    "recommendation": "Recommendation",
    "check": "Check",
    "why_not_run": "Why it could not run",
    "table": "Table",
    "file": "File",
    "rows": "Rows",
    "level": "Level",
    "message": "Message",
    "package": "Package",
    "version": "Version",
    "software": "Software",
    # severities
    "sev_critical": "Critical",
    "sev_high": "High",
    "sev_medium": "Medium",
    "sev_low": "Low",
    "sev_info": "Info",
    # chapters
    "not_completed": "This section could not be completed:",
    "rows_shown": (
        "Showing {shown} of {total} rows; the full list is in the findings register and the "
        "working-paper notebook."
    ),
    "none_found": "None found.",
    # appendix
    "appendix": "Appendix",
    "findings_register": "Findings register",
    "register_intro": (
        "Every finding of this report, most severe first, with the number of records behind "
        "it. The ids of those records are in findings.xlsx and findings.json."
    ),
    "method": "Method",
    "method_intro": (
        "How each review tested the data: the population, the test, its thresholds and their "
        "source."
    ),
    "limitations": "Limitations",
    "limitations_intro": (
        "Checks that could not run on the data provided, and why. Supplying the missing data "
        "lets a later run cover them."
    ),
    "limitations_none": "Every check of every review ran on the data provided.",
    "incomplete_review": "{title} did not complete; its chapter shows how far it went.",
    "provenance": "Data provenance",
    "provenance_intro": (
        "The files this report was produced from. The SHA-256 fingerprint identifies each file "
        "exactly: the same files give the same findings."
    ),
    "provenance_none": "No input files were recorded.",
    "validation": "Validation summary",
    "validation_intro": "What the input checks found before the reviews ran: {counts}.",
    "validation_cut": (
        "The first {shown} messages are listed; the run's manifest holds all {total}."
    ),
    "validation_none": "The input checks found nothing to report.",
    # deck
    "key_figures": "Key figures",
    "main_findings": "Main findings",
    "next_steps": "Next steps",
    "next_step_1": "Agree an owner and a due date for each critical and high finding.",
    "next_step_2": "Record management responses in the findings register.",
    "next_step_3": "Supply the missing data so the checks that could not run are covered.",
    "next_step_4": "Plan a follow-up review once the corrective actions are in place.",
    "chart_missing": "This review produced no chart.",
    "chart_findings": "Findings",
    "chart_alt": "Bar chart of findings by audit area and severity.",
    "more_in_report": "The full analysis is in the report, chapter {title}.",
}

GERMAN: dict[str, str] = {
    "report_title": "Prüfbericht",
    "report_kicker": "Gesamtbericht",
    "deck_title": "Prüfungsergebnisse",
    "deck_kicker": "Lenkungsausschuss",
    "engagement": "Auftrag",
    "period": "Prüfungszeitraum",
    "report_date": "Berichtsdatum",
    "currency": "Währung",
    "run": "Lauf",
    "prepared_by": "Erstellt von",
    "confidential": "Vertraulich",
    "confidentiality": (
        "Vertraulich. Erstellt für {client}. Dieser Bericht enthält Geschäftsdaten des "
        "Mandanten; er ist für die Adressaten des Auftrags bestimmt und darf ohne deren "
        "Zustimmung nicht weitergegeben werden."
    ),
    "page_of": "Seite {page} von {pages}",
    "page": "Seite",
    "of": "von",
    "contents": "Inhalt",
    "contents_hint": (
        "Seitenzahlen erscheinen, wenn das Inhaltsverzeichnis aktualisiert wird (in Word: "
        "Rechtsklick und Feld aktualisieren)."
    ),
    "draft_version": "Audit Workbench {version}",
    "date": "{day}. {month} {year}",
    "months": "Januar,Februar,März,April,Mai,Juni,Juli,August,September,Oktober,November,Dezember",
    "executive_summary": "Zusammenfassung",
    "lede_one": "Dieser Bericht enthält {title} für {client}{period}.",
    "lede_many": "Dieser Bericht fasst {count} Prüfungen bei {client}{period} zusammen.",
    "lede_period": " im Zeitraum {period}",
    "lede_findings": "Sie ergaben {findings}, davon {severe} kritisch oder hoch{value}.",
    "findings_count": "{count} Feststellungen",
    "finding_count": "1 Feststellung",
    "lede_value": ", mit Ausnahmen im Wert von insgesamt {value}",
    "lede_none": "Es wurde keine Feststellung getroffen.",
    "lede_incomplete": (
        "{count} Prüfungen konnten nicht abgeschlossen werden ({titles}); siehe die "
        "jeweiligen Kapitel."
    ),
    "lede_incomplete_one": (
        "1 Prüfung konnte nicht abgeschlossen werden ({titles}); siehe das Kapitel."
    ),
    "kpi_findings": "Feststellungen",
    "kpi_severe": "kritisch oder hoch",
    "kpi_value": "Wert der Ausnahmen",
    "kpi_score": "Punkte von 100",
    "kpi_reviews": "Prüfungen",
    "findings_by_severity": "Feststellungen nach Schweregrad und Bereich",
    "top_findings": "Wichtigste Feststellungen",
    "top_findings_note": (
        "Die {count} schwerwiegendsten Feststellungen, dann nach Wert und Anzahl der "
        "Ausnahmen. Alle Feststellungen stehen im Feststellungsregister."
    ),
    "results_by_review": "Ergebnisse je Prüfung",
    "scores_note": (
        "Die Punktzahl reicht von 0 bis 100; jede Prüfung berechnet sie aus ihren eigenen "
        "Prüfschritten, wie im Methodenanhang beschrieben."
    ),
    "no_findings": "Es wurde keine Feststellung getroffen.",
    "did_not_complete": "Nicht abgeschlossen",
    "area": "Bereich",
    "all_areas": "Alle Bereiche",
    "total": "Summe",
    "finding": "Feststellung",
    "severity": "Schweregrad",
    "exceptions": "Ausnahmen",
    "share": "Anteil",
    "value": "Wert ({currency})",
    "review": "Prüfung",
    "score": "Punkte",
    "checks_not_run": "Nicht durchgeführt",
    "id": "ID",
    "owner": "Verantwortlich",
    "recommendation": "Empfehlung",
    "check": "Prüfschritt",
    "why_not_run": "Warum er nicht durchgeführt werden konnte",
    "table": "Tabelle",
    "file": "Datei",
    "rows": "Zeilen",
    "level": "Stufe",
    "message": "Meldung",
    "package": "Paket",
    "version": "Version",
    "software": "Software",
    "sev_critical": "Kritisch",
    "sev_high": "Hoch",
    "sev_medium": "Mittel",
    "sev_low": "Niedrig",
    "sev_info": "Info",
    "not_completed": "Dieser Abschnitt konnte nicht abgeschlossen werden:",
    "rows_shown": (
        "{shown} von {total} Zeilen gezeigt; die vollständige Liste steht im "
        "Feststellungsregister und im Arbeitspapier-Notebook."
    ),
    "none_found": "Nichts gefunden.",
    "appendix": "Anhang",
    "findings_register": "Feststellungsregister",
    "register_intro": (
        "Alle Feststellungen dieses Berichts, die schwerwiegendsten zuerst, mit der Anzahl "
        "der betroffenen Datensätze. Deren Kennungen stehen in findings.xlsx und "
        "findings.json."
    ),
    "method": "Methode",
    "method_intro": (
        "Wie jede Prüfung die Daten getestet hat: Grundgesamtheit, Test, Schwellenwerte und "
        "deren Quelle."
    ),
    "limitations": "Einschränkungen",
    "limitations_intro": (
        "Prüfschritte, die mit den gelieferten Daten nicht durchgeführt werden konnten, und "
        "warum. Mit den fehlenden Daten deckt ein späterer Lauf sie ab."
    ),
    "limitations_none": "Alle Prüfschritte aller Prüfungen wurden durchgeführt.",
    "incomplete_review": (
        "{title} wurde nicht abgeschlossen; das Kapitel zeigt, wie weit die Prüfung kam."
    ),
    "provenance": "Datenherkunft",
    "provenance_intro": (
        "Die Dateien, aus denen dieser Bericht erstellt wurde. Der SHA-256-Fingerabdruck "
        "identifiziert jede Datei eindeutig: dieselben Dateien ergeben dieselben "
        "Feststellungen."
    ),
    "provenance_none": "Es wurden keine Eingabedateien erfasst.",
    "validation": "Validierung",
    "validation_intro": "Was die Eingangsprüfungen vor den Prüfungen fanden: {counts}.",
    "validation_cut": (
        "Die ersten {shown} Meldungen sind aufgeführt; das Manifest des Laufs enthält alle {total}."
    ),
    "validation_none": "Die Eingangsprüfungen fanden nichts zu berichten.",
    "key_figures": "Kennzahlen",
    "main_findings": "Wichtigste Feststellungen",
    "next_steps": "Nächste Schritte",
    "next_step_1": (
        "Für jede kritische und hohe Feststellung einen Verantwortlichen und einen Termin "
        "vereinbaren."
    ),
    "next_step_2": "Stellungnahmen des Managements im Feststellungsregister erfassen.",
    "next_step_3": (
        "Fehlende Daten nachliefern, damit die nicht durchgeführten Prüfschritte abgedeckt werden."
    ),
    "next_step_4": "Eine Nachprüfung planen, sobald die Korrekturmaßnahmen umgesetzt sind.",
    "chart_missing": "Diese Prüfung hat kein Diagramm erzeugt.",
    "chart_findings": "Feststellungen",
    "chart_alt": "Balkendiagramm der Feststellungen nach Prüfbereich und Schweregrad.",
    "more_in_report": "Die vollständige Analyse steht im Bericht, Kapitel {title}.",
}

FRENCH: dict[str, str] = {
    "report_title": "Rapport d'audit",
    "report_kicker": "Rapport consolidé",
    "deck_title": "Résultats de l'audit",
    "deck_kicker": "Comité de pilotage",
    "engagement": "Mission",
    "period": "Période revue",
    "report_date": "Date du rapport",
    "currency": "Devise",
    "run": "Exécution",
    "prepared_by": "Préparé par",
    "confidential": "Confidentiel",
    "confidentiality": (
        "Confidentiel. Préparé pour {client}. Ce rapport contient des données de l'entreprise "
        "cliente ; il est destiné aux destinataires de la mission et ne peut être transmis "
        "sans leur accord."
    ),
    "page_of": "Page {page} sur {pages}",
    "page": "Page",
    "of": "sur",
    "contents": "Sommaire",
    "contents_hint": (
        "Les numéros de page apparaissent lorsque la table des matières est mise à jour (dans "
        "Word : clic droit, Mettre à jour les champs)."
    ),
    "draft_version": "Audit Workbench {version}",
    "date": "{day} {month} {year}",
    "months": (
        "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre"
    ),
    "executive_summary": "Synthèse",
    "lede_one": "Ce rapport présente {title} de {client}{period}.",
    "lede_many": "Ce rapport réunit {count} revues de {client}{period}.",
    "lede_period": " pour la période {period}",
    "lede_findings": "Elles ont relevé {findings}, dont {severe} critiques ou élevés{value}.",
    "findings_count": "{count} constats",
    "finding_count": "1 constat",
    "lede_value": ", portant sur des exceptions d'un montant total de {value}",
    "lede_none": "Aucun constat n'a été relevé.",
    "lede_incomplete": (
        "{count} revues n'ont pas pu être menées à terme ({titles}) ; voir leurs chapitres."
    ),
    "lede_incomplete_one": (
        "1 revue n'a pas pu être menée à terme ({titles}) ; voir son chapitre."
    ),
    "kpi_findings": "constats",
    "kpi_severe": "critiques ou élevés",
    "kpi_value": "montant des exceptions",
    "kpi_score": "note sur 100",
    "kpi_reviews": "revues",
    "findings_by_severity": "Constats par gravité et domaine",
    "top_findings": "Principaux constats",
    "top_findings_note": (
        "Les {count} constats les plus graves, puis par montant et nombre d'exceptions. Tous "
        "les constats figurent au registre des constats."
    ),
    "results_by_review": "Résultats par revue",
    "scores_note": (
        "Les notes vont de 0 à 100 ; chaque revue calcule la sienne à partir de ses propres "
        "contrôles, comme exposé dans l'annexe de méthode."
    ),
    "no_findings": "Aucun constat n'a été relevé.",
    "did_not_complete": "Non terminée",
    "area": "Domaine",
    "all_areas": "Tous domaines",
    "total": "Total",
    "finding": "Constat",
    "severity": "Gravité",
    "exceptions": "Exceptions",
    "share": "Part",
    "value": "Montant ({currency})",
    "review": "Revue",
    "score": "Note",
    "checks_not_run": "Contrôles non réalisés",
    "id": "ID",
    "owner": "Responsable",
    "recommendation": "Recommandation",
    "check": "Contrôle",
    "why_not_run": "Pourquoi il n'a pas pu être réalisé",
    "table": "Table",
    "file": "Fichier",
    "rows": "Lignes",
    "level": "Niveau",
    "message": "Message",
    "package": "Paquet",
    "version": "Version",
    "software": "Logiciels",
    "sev_critical": "Critique",
    "sev_high": "Élevé",
    "sev_medium": "Moyen",
    "sev_low": "Faible",
    "sev_info": "Info",
    "not_completed": "Cette section n'a pas pu être achevée :",
    "rows_shown": (
        "{shown} lignes affichées sur {total} ; la liste complète figure au registre des "
        "constats et dans le notebook de travail."
    ),
    "none_found": "Aucun élément.",
    "appendix": "Annexe",
    "findings_register": "Registre des constats",
    "register_intro": (
        "Tous les constats de ce rapport, les plus graves d'abord, avec le nombre "
        "d'enregistrements concernés. Leurs identifiants figurent dans findings.xlsx et "
        "findings.json."
    ),
    "method": "Méthode",
    "method_intro": (
        "Comment chaque revue a testé les données : la population, le test, ses seuils et "
        "leur source."
    ),
    "limitations": "Limites",
    "limitations_intro": (
        "Les contrôles qui n'ont pas pu être réalisés sur les données fournies, et pourquoi. "
        "Fournir les données manquantes permet de les couvrir lors d'une prochaine exécution."
    ),
    "limitations_none": "Tous les contrôles de toutes les revues ont été réalisés.",
    "incomplete_review": (
        "{title} n'a pas été menée à terme ; son chapitre montre où elle s'est arrêtée."
    ),
    "provenance": "Provenance des données",
    "provenance_intro": (
        "Les fichiers à partir desquels ce rapport a été produit. L'empreinte SHA-256 "
        "identifie chaque fichier exactement : les mêmes fichiers donnent les mêmes constats."
    ),
    "provenance_none": "Aucun fichier d'entrée n'a été enregistré.",
    "validation": "Synthèse de la validation",
    "validation_intro": "Ce que les contrôles des données ont trouvé avant les revues : {counts}.",
    "validation_cut": (
        "Les {shown} premiers messages sont listés ; le manifeste de l'exécution les contient "
        "tous ({total})."
    ),
    "validation_none": "Les contrôles des données n'ont rien relevé.",
    "key_figures": "Chiffres clés",
    "main_findings": "Principaux constats",
    "next_steps": "Prochaines étapes",
    "next_step_1": "Désigner un responsable et une échéance pour chaque constat critique ou élevé.",
    "next_step_2": "Consigner les réponses de la direction dans le registre des constats.",
    "next_step_3": "Fournir les données manquantes pour couvrir les contrôles non réalisés.",
    "next_step_4": "Planifier une revue de suivi une fois les actions correctives en place.",
    "chart_missing": "Cette revue n'a produit aucun graphique.",
    "chart_findings": "Constats",
    "chart_alt": "Diagramme en barres des constats par domaine et gravité.",
    "more_in_report": "L'analyse complète figure dans le rapport, chapitre {title}.",
}

#: Report languages shipped, by ISO 639-1 code.
LANGUAGES: dict[str, dict[str, str]] = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH}


class Texts(Mapping[str, str]):
    """The fixed texts of one report language, with a firm's overrides.

    Parameters
    ----------
    language : str
        ISO 639-1 code among :data:`LANGUAGES`.
    overrides : mapping, optional
        Texts that replace the language's own (same keys).

    Raises
    ------
    KeyError
        The language is not shipped or an override names an unknown text.
    """

    def __init__(self, language: str = "en", overrides: Mapping[str, str] | None = None) -> None:
        if language not in LANGUAGES:
            raise KeyError(f"no report language {language!r}; use one of {', '.join(LANGUAGES)}")
        unknown = sorted(set(overrides or {}) - set(ENGLISH))
        if unknown:
            raise KeyError(f"unknown text(s) {', '.join(unknown)}")
        self.language = language
        self._texts = {**ENGLISH, **LANGUAGES[language], **dict(overrides or {})}

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def __iter__(self) -> Any:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __getattr__(self, key: str) -> str:
        # Templates read texts as attributes (``t.contents``).
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._texts[key]
        except KeyError:
            raise AttributeError(key) from None

    def format(self, key: str, **values: Any) -> str:
        """The text ``key`` with its ``{placeholders}`` filled.

        Parameters
        ----------
        key : str
            Name of the text.
        **values
            Values of its placeholders.

        Returns
        -------
        str
        """
        return self._texts[key].format(**values)

    def long_date(self, value: dt.date) -> str:
        """A date in words: "1 January 2025", "1. Januar 2025"."""
        month = self._texts["months"].split(",")[value.month - 1]
        return self.format("date", day=value.day, month=month, year=value.year)

    def severity_label(self, severity: str) -> str:
        """The name of a severity ("High", "Hoch")."""
        return self._texts.get(f"sev_{severity}", severity.capitalize())


__all__ = ["ENGLISH", "FRENCH", "GERMAN", "LANGUAGES", "Texts"]
