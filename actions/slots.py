"""Slot, entity and metadata names shared with ``bot/domain``."""

LANGUAGE = "language"
LAST_ARTICLE = "last_article"
REQUESTED_SLOT = "requested_slot"
ARTICLE_ID_ENTITY = "article_id"
SLOT_TO_CHANGE_ENTITY = "slot_to_change"
# Added to the parse data by the message router (bot/components/routing.py): under ROUTING, the request a question
# was about (OFFER), and that the family also asked for it now (REQUEST_CUE).
ROUTING = "routing"
OFFER = "offer"
REQUEST_CUE = "request_cue"
# The request the assistant just asked whether to start ("Shall I start the request now?"); a yes starts it.
OFFERED_REQUEST = "offered_request"
OFFER_PENDING = "offer_pending"
CHANNEL_METADATA = "channel"

# The request form (bot/domain/requests.yml).
REQUEST_FORM = "request_form"
REQUEST_CATEGORY = "request_category"
RELATIONSHIP = "relationship"
REQUESTER_NAME = "requester_name"
STUDENT_NAME = "student_name"
STUDENT_DOB = "student_dob"
VERIFICATION_CODE = "verification_code"
VERIFICATION_STATUS = "verification_status"
VERIFICATION_RETRY = "verification_retry"
RECORDS_ACCESS = "records_access"
RECORD_TO_CORRECT = "record_to_correct"
CORRECTION_PROBLEM = "correction_problem"
CORRECTION_REASON = "correction_reason"
OPTOUT_SCOPE = "optout_scope"
OPTOUT_CATEGORIES = "optout_categories"
CONSENT_ACTION = "consent_action"
CONSENT_DETAILS = "consent_details"
COMPLAINT_DETAILS = "complaint_details"
MISUSE_ANONYMOUS = "misuse_anonymous"
REPORTER_NAME = "reporter_name"
MISUSE_DETAILS = "misuse_details"
REQUEST_CONFIRMED = "request_confirmed"

IDENTITY_SLOTS = (RELATIONSHIP, REQUESTER_NAME, STUDENT_NAME, STUDENT_DOB, VERIFICATION_CODE)
VERIFICATION_SLOTS = (STUDENT_DOB, VERIFICATION_CODE, VERIFICATION_STATUS, VERIFICATION_RETRY)
DETAIL_SLOTS = (
    RECORDS_ACCESS,
    RECORD_TO_CORRECT,
    CORRECTION_PROBLEM,
    CORRECTION_REASON,
    OPTOUT_SCOPE,
    OPTOUT_CATEGORIES,
    CONSENT_ACTION,
    CONSENT_DETAILS,
    COMPLAINT_DETAILS,
    MISUSE_ANONYMOUS,
    REPORTER_NAME,
    MISUSE_DETAILS,
)
ALL_REQUEST_SLOTS = (
    REQUEST_CATEGORY,
    *IDENTITY_SLOTS,
    VERIFICATION_STATUS,
    VERIFICATION_RETRY,
    *DETAIL_SLOTS,
    REQUEST_CONFIRMED,
)
