"""Every sentence the assistant shows a person, in French and English, in one table.

The chat and the CLI never write user-facing text inline: they call ``t(key, lang, **values)``.
Keeping one table makes "every label and error follows the user's language" checkable: a test
walks ``MESSAGES`` and fails when a key lacks a language or the two versions name different
placeholders.
"""

from __future__ import annotations

import string
from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"

MESSAGES: dict[str, tuple[str, str]] = {
    # -- welcome, login ------------------------------------------------------------------------
    "app.name": ("Assistant cohortes", "Cohort assistant"),
    "welcome": (
        "Bonjour {name}. Vous êtes connecté·e comme **{role}** ({centre}). Posez une question en "
        "langage courant, par exemple : « {example} ».",
        "Hello {name}. You are signed in as **{role}** ({centre}). Ask a question in plain words, "
        "for example: “{example}”.",
    ),
    "welcome.example": (
        "femme ayant eu un cancer du sein métastatique à 50 ans",
        "woman with metastatic breast cancer at 50",
    ),
    "welcome.language": (
        "Langue : français. Tapez /en pour passer en anglais.",
        "Language: English. Type /fr to switch to French.",
    ),
    "welcome.pending": (
        "{n} demande(s) de novices attendent un référent : bouton « Demandes en attente ».",
        "{n} request(s) from novices are waiting for a referent: “Pending requests” button.",
    ),
    "welcome.answered": (
        "Un référent a répondu à {n} de vos demandes : bouton « Mes demandes ».",
        "A referent answered {n} of your requests: “My requests” button.",
    ),
    "language.switched": ("Langue : français.", "Language: English."),
    "auth.failed": ("Identifiant ou mot de passe incorrect.", "Wrong username or password."),
    # -- roles ---------------------------------------------------------------------------------
    # -- steps of a turn -----------------------------------------------------------------------
    "step.understanding": ("Compréhension", "Understanding"),
    "step.searching": ("Recherche", "Searching"),
    "step.anonymising": ("Anonymisation", "Anonymising"),
    "step.understanding.done": (
        "Question comprise en {seconds:.1f} s.",
        "Question understood in {seconds:.1f} s.",
    ),
    "step.searching.done": ("{n} patient(s) trouvé(s).", "{n} patient(s) found."),
    "step.anonymising.done": (
        "{n} ligne(s) pseudonymisée(s), extraits masqués.",
        "{n} row(s) pseudonymised, snippets masked.",
    ),
    "step.slow": (
        "Le modèle de langue réfléchit… (bouton ■ pour annuler)",
        "The language model is thinking… (■ button to cancel)",
    ),
    "step.llm": ("Modèle de langue", "Language model"),
    "step.llm.progress": (
        "Lecture de {words}… {elapsed} s (au plus {deadline} s)",
        "Reading {words}… {elapsed} s (at most {deadline} s)",
    ),
    "llm.reading": ("Le modèle de langue lit {words}…", "The language model reads {words}…"),
    "llm.pending": (
        "Le modèle de langue lit {words} ; le résultat sera mis à jour s'il ajoute un critère.",
        "The language model is reading {words}; the result will be updated if it adds a criterion.",
    ),
    "llm.added": (
        "Le modèle de langue a ajouté ({seconds:.1f} s) : {what}",
        "The language model added ({seconds:.1f} s): {what}",
    ),
    "llm.unchanged": (
        "Le modèle de langue n'a rien ajouté pour {words} ({seconds:.1f} s) : le résultat reste le même.",
        "The language model added nothing for {words} ({seconds:.1f} s): the result stands.",
    ),
    "llm.timeout": (
        "Le modèle de langue n'a pas répondu à temps ({seconds:.0f} s) : {words} reste non compris.",
        "The language model did not answer in time ({seconds:.0f} s): {words} left out.",
    ),
    "llm.error": (
        "Le modèle de langue n'a pas pu lire {words}, qui reste non compris.",
        "The language model could not read {words}, left out.",
    ),
    "llm.stale": (
        "Lecture du modèle de langue abandonnée : une autre question a été posée entre-temps.",
        "The language model's reading was dropped: another question came in the meantime.",
    ),
    "cancelled": (
        "Recherche annulée. Les critères précédents sont conservés.",
        "Search cancelled. The previous criteria are kept.",
    ),
    "busy": (
        "Une recherche est déjà en cours ; attendez sa fin ou annulez-la.",
        "A search is already running; wait for it or cancel it.",
    ),
    # -- criteria card -------------------------------------------------------------------------
    "card.title": ("Critères compris", "Criteria understood"),
    "card.question": ("Question", "Question"),
    "card.assumptions": ("Hypothèses retenues", "Assumptions made"),
    "card.not_understood": ("Non compris (ignoré)", "Not understood (ignored)"),
    "card.clarify": ("À préciser", "Please clarify"),
    "card.source.terminology": ("terminologie", "terminology"),
    "card.source.llm": ("modèle de langue", "language model"),
    "card.confidence": ("Confiance : {pct} %", "Confidence: {pct}%"),
    "card.scope": ("Périmètre : patients de {centre}", "Scope: patients of {centre}"),
    "card.scope.opposition": (
        "les patients opposés à la recherche sont exclus",
        "patients who opposed research use are excluded",
    ),
    # -- results -------------------------------------------------------------------------------
    "count.title": ("Résultat", "Result"),
    "count.here": (
        "**{n}** patient(s) dans votre centre ({centre}).",
        "**{n}** patient(s) in your centre ({centre}).",
    ),
    "count.other.title": ("Autres centres (comptes anonymes)", "Other centres (anonymous counts)"),
    "count.other.rule": (
        "Comptes arrondis à 5 près ; en dessous de {min}, masqués.",
        "Counts rounded to the nearest 5; below {min}, masked.",
    ),
    "count.other.none": ("Aucun autre centre.", "No other centre."),
    "count.other.failed": (
        "comptes des autres centres indisponibles pour le moment",
        "other centres' counts unavailable for now",
    ),
    "table.title": ("Premiers patients ({shown} sur {total})", "First patients ({shown} of {total})"),
    "table.empty": ("Aucun patient ne correspond.", "No patient matches."),
    "table.pseudo": ("Pseudonyme", "Pseudonym"),
    "table.site": ("Cancer", "Cancer"),
    "table.age_band": ("Âge au diagnostic", "Age at diagnosis"),
    "table.sex": ("Sexe", "Sex"),
    "table.vital": ("Statut vital", "Vital status"),
    "table.facts": ("Critères retrouvés", "Matching facts"),
    "table.snippet": ("Extrait (masqué)", "Snippet (masked)"),
    "sex.F": ("F", "F"),
    "sex.M": ("H", "M"),
    "vital.alive": ("vivant·e", "alive"),
    "vital.deceased": ("décédé·e", "deceased"),
    "age_band": ("{lo}–{hi} ans", "{lo}–{hi} y"),
    # -- action buttons ------------------------------------------------------------------------
    "action.try_example": ("Essayer l'exemple", "Try the example"),
    "action.refine": ("Affiner", "Refine"),
    "action.as_new": ("Nouvelle question plutôt", "A new question instead"),
    "action.as_followup": ("Affiner la précédente plutôt", "Refine the previous one instead"),
    "action.edit": ("Modifier les critères", "Edit criteria"),
    "action.sql": ("Voir le SQL", "Show SQL"),
    "action.save_query": ("Enregistrer la requête", "Save query"),
    "action.saved": ("Requêtes enregistrées", "Saved queries"),
    "action.save_cohort": ("Enregistrer la cohorte", "Save cohort"),
    "action.combine": ("Combiner des cohortes", "Combine cohorts"),
    "action.export": ("Exporter (CSV)", "Export (CSV)"),
    "action.export_fhir": ("Exporter (FHIR)", "Export (FHIR)"),
    "action.similar": ("Patients similaires", "Similar patients"),
    "action.timeline": ("Frise chronologique", "Timeline"),
    "action.ask_referent": ("Demander à un référent", "Ask a referent"),
    "action.pending": ("Demandes en attente", "Pending requests"),
    "action.my_requests": ("Mes demandes", "My requests"),
    "action.next_page": ("Patients suivants", "Next patients"),
    "action.run": ("Lancer", "Run"),
    "action.answer": ("Répondre", "Answer"),
    # -- prompts after a button ----------------------------------------------------------------
    "prompt.refine": (
        "Tapez votre précision, par exemple « seulement les patientes vivantes ».",
        "Type your refinement, for example “only those still alive”.",
    ),
    "prompt.edit": (
        "Collez les critères modifiés (forme compacte ou JSON). Critères actuels :",
        "Paste the edited criteria (compact form or JSON). Current criteria:",
    ),
    "prompt.save_query": ("Nom de la requête ?", "Name of the query?"),
    "prompt.save_cohort": ("Nom de la cohorte ?", "Name of the cohort?"),
    "prompt.export": (
        "Quel est l'objectif de cet export ? (obligatoire, tracé dans le journal d'audit)",
        "What is this export for? (required, recorded in the audit trail)",
    ),
    "prompt.similar": (
        "Choisissez un patient ci-dessous, ou collez la description d'un cas.",
        "Choose a patient below, or paste a case description.",
    ),
    "prompt.timeline": (
        "Choisissez un patient, ou tapez son pseudonyme.",
        "Choose a patient, or type its pseudonym.",
    ),
    "prompt.ask_referent": (
        "Votre commentaire pour le référent (ce qui vous semble faux ou manquant) ?",
        "Your comment for the referent (what looks wrong or missing)?",
    ),
    "prompt.combine": (
        "Tapez : COHORTE_A union|intersection|difference COHORTE_B [nom], par exemple « 1 intersection 2 ».",
        "Type: COHORT_A union|intersection|difference COHORT_B [name], for example “1 intersection 2”.",
    ),
    "prompt.answer": (
        "Répondez à la demande {id} : critères corrigés (forme compacte ou JSON), puis une ligne « -- » et "
        "votre commentaire. Sans critères, la requête du novice est reprise telle quelle.",
        "Answer request {id}: corrected criteria (compact form or JSON), then a line “--” and your "
        "comment. Without criteria, the novice's query is kept as is.",
    ),
    "prompt.cancelled": ("Action abandonnée.", "Action dropped."),
    # -- outcomes ------------------------------------------------------------------------------
    "sql.title": ("SQL exécuté ({dialect})", "SQL that ran ({dialect})"),
    "sql.params": ("Paramètres", "Parameters"),
    "query.saved": ("Requête « {name} » enregistrée (n° {id}).", "Query “{name}” saved (no. {id})."),
    "query.list.title": ("Requêtes enregistrées", "Saved queries"),
    "query.list.empty": ("Aucune requête enregistrée.", "No saved query."),
    "query.list.row": ("n° {id} · {name} · {owner} · {created}", "no. {id} · {name} · {owner} · {created}"),
    "cohort.saved": (
        "Cohorte « {name} » enregistrée (n° {id}, {size} patients).",
        "Cohort “{name}” saved (no. {id}, {size} patients).",
    ),
    "cohort.list.title": ("Cohortes enregistrées", "Saved cohorts"),
    "cohort.list.empty": ("Aucune cohorte enregistrée.", "No saved cohort."),
    "cohort.list.row": ("n° {id} · {name} · {size} patients", "no. {id} · {name} · {size} patients"),
    "cohort.combined": (
        "Cohorte « {name} » = {a} {op} {b} : {size} patients (n° {id}).",
        "Cohort “{name}” = {a} {op} {b}: {size} patients (no. {id}).",
    ),
    "op.union": ("union", "union"),
    "op.intersection": ("intersection", "intersection"),
    "op.difference": ("différence", "difference"),
    "export.done": (
        "Export de {rows} patient(s) prêt ; objectif « {purpose} » tracé (audit n° {audit}).",
        "Export of {rows} patient(s) ready; purpose “{purpose}” recorded (audit no. {audit}).",
    ),
    "export.yes": ("oui", "yes"),
    "export.absent": ("absent", "absent"),
    "request.answer_name": ("Réponse à la demande", "Answer to request"),
    "similar.title": ("Patients les plus proches de {source}", "Patients most similar to {source}"),
    "similar.case": ("ce cas", "this case"),
    "similar.score": ("similarité", "similarity"),
    "similar.shared": ("en commun", "shared"),
    "similar.differs": ("différences", "differences"),
    "similar.facts": ("Comparé sur : {facts}", "Compared on: {facts}"),
    "similar.index": (
        "index {kind} ({size} patients), texte {model}/{summary}, poids des faits codés {weight:.2f}",
        "index {kind} ({size} patients), text {model}/{summary}, structured weight {weight:.2f}",
    ),
    "timeline.title": ("Frise de {pseudo}", "Timeline of {pseudo}"),
    "timeline.diagnosis": ("Diagnostic", "Diagnosis"),
    "timeline.treatments": ("Traitements", "Treatments"),
    "timeline.events": ("Événements", "Events"),
    "timeline.line": ("Ligne {n}", "Line {n}"),
    "timeline.death": ("Décès", "Death"),
    "timeline.last_news": ("Dernières nouvelles", "Last news"),
    "timeline.years": ("Années depuis le premier diagnostic", "Years since the first diagnosis"),
    "request.sent": (
        "Demande n° {id} envoyée aux référents de {centre}.",
        "Request no. {id} sent to the referents of {centre}.",
    ),
    "request.list.title": ("Demandes en attente", "Pending requests"),
    "request.list.empty": ("Aucune demande en attente.", "No pending request."),
    "request.mine.title": ("Mes demandes", "My requests"),
    "request.mine.empty": ("Vous n'avez envoyé aucune demande.", "You have not sent any request."),
    "request.row": (
        "n° {id} · {from_user} · « {question} » · {comment}",
        "no. {id} · {from_user} · “{question}” · {comment}",
    ),
    "request.status.pending": ("en attente", "pending"),
    "request.status.answered": ("répondue", "answered"),
    "request.answered": (
        "Demande n° {id} répondue avec la requête enregistrée n° {query_id}.",
        "Request no. {id} answered with saved query no. {query_id}.",
    ),
    "request.answer_row": (
        "n° {id} · {status} · « {question} » → requête n° {query_id} ({answered_by}) : {comment}",
        "no. {id} · {status} · “{question}” → query no. {query_id} ({answered_by}): {comment}",
    ),
    # -- errors (sentences a clinician understands) --------------------------------------------
    "error.generic": (
        "Quelque chose s'est mal passé ({what}). Réessayez ou reformulez ; l'incident est noté.",
        "Something went wrong ({what}). Try again or rephrase; the incident is logged.",
    ),
    "error.no_question": ("Posez d'abord une question.", "Ask a question first."),
    "error.empty": ("Le message est vide.", "The message is empty."),
    "error.too_long": (
        "Question trop longue ({length} caractères, {limit} au plus) : posez-la en une ou deux phrases.",
        "Question too long ({length} characters, {limit} at most): ask it in one or two sentences.",
    ),
    "error.not_understood": (
        "Je n'ai pas compris de critère dans « {question} ». Essayez par exemple : « {example} ».",
        "I found no criterion in “{question}”. Try for example: “{example}”.",
    ),
    "error.forbidden": (
        "Votre profil ({role}) ne permet pas : {what}.",
        "Your profile ({role}) does not allow: {what}.",
    ),
    "error.invalid_criteria": ("Critères invalides : {detail}", "Invalid criteria: {detail}"),
    "error.unknown_patient": (
        "Aucun patient « {pseudo} » dans vos résultats ou votre centre.",
        "No patient “{pseudo}” in your results or your centre.",
    ),
    "error.unknown_query": ("Aucune requête enregistrée « {ref} ».", "No saved query “{ref}”."),
    "error.unknown_cohort": ("Aucune cohorte enregistrée « {ref} ».", "No saved cohort “{ref}”."),
    "error.unknown_request": ("Aucune demande n° {ref}.", "No request no. {ref}."),
    "error.unknown_user": (
        "Utilisateur « {user} » inconnu ou inactif.",
        "Unknown or inactive user “{user}”.",
    ),
    "error.export_format": (
        "Format d'export inconnu « {fmt} » : choisissez parmi {formats}.",
        "Unknown export format “{fmt}”: choose one of {formats}.",
    ),
    "error.purpose_required": (
        "Un export exige un objectif : une phrase (étude, protocole, avis), au moins {n} caractères.",
        "An export needs a stated purpose: a sentence (study, protocol, approval), at least {n} characters.",
    ),
    "error.refused": (
        "Je ne peux pas faire cela : {reason}",
        "I cannot do that: {reason}",
    ),
    "error.no_index": (
        "L'index des patients similaires n'est pas encore prêt "
        "(construction en cours, ou `cohort index rebuild`).",
        "The similar-patient index is not ready yet (being built, or run `cohort index rebuild`).",
    ),
    "error.bad_combine": (
        "Je n'ai pas compris la combinaison. Exemple : « 1 union 2 ».",
        "I did not understand the combination. Example: “1 union 2”.",
    ),
    "error.store": ("La base de données ne répond pas : {detail}", "The database does not answer: {detail}"),
    # -- rights (what a profile may do) --------------------------------------------------------
}


def t(key: str, lang: str | None = None, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (French when unknown), with ``values`` filled in.

    A missing key returns the key itself rather than failing: a visible gap beats a crash in
    front of a clinician (and the meta-test catches it before that).
    """
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def normalise_lang(value: str | None) -> Lang:
    """'en', 'en-US', 'English' → 'en'; anything else → French (the default)."""
    if value and value.strip().lower().startswith("en"):
        return "en"
    return "fr"


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a message (for the meta-test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
