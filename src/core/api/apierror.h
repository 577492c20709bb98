#pragma once

#include <QDateTime>
#include <QString>

namespace pds {

// What Pipedrive told us about its limits in the last response (x-ratelimit-*, Retry-After and
// the daily token headers). -1 means "not sent".
struct RateLimitInfo
{
    int limit = -1; // burst requests per window
    int remaining = -1;
    double resetSeconds = -1; // time left in the burst window
    int retryAfterSeconds = -1;
    qint64 dailyTokenLimit = -1;
    qint64 dailyTokensRemaining = -1;

    bool isKnown() const { return limit >= 0 || dailyTokenLimit >= 0; }
};

// A typed API failure: each front end words it for its user from the kind.
struct ApiError
{
    enum class Kind {
        None,
        Configuration, // bad domain, missing token: nothing was sent
        Authentication, // 401: the token is refused
        Forbidden, // 403 JSON refusal: a valid token whose user lacks a permission or scope
        AccountClosed, // 402: the company's account is not open (subscription or trial ended)
        Blocked, // 403 HTML page (Cloudflare abuse block after repeated 429s)
        NotFound, // 404 or 410
        BadRequest, // 400 and other 4xx refusals of the request itself
        RateLimited, // 429 burst limit: wait and go on
        BudgetExhausted, // 429 with the daily token budget spent: stop until it resets
        Server, // 5xx
        Network, // connection refused, reset, dropped, TLS failure, cut body
        Timeout, // no complete answer within the request's timeout
        Malformed, // not JSON, HTML instead of JSON, or not Pipedrive's envelope
        Cancelled,
    };

    Kind kind = Kind::None;
    int httpStatus = 0;
    QString message; // in words, safe to show (never holds the token)
    QString path; // the request path, without query or token
    RateLimitInfo rateLimit;
    int attempts = 0; // how often the request was sent before giving up (0 = not counted)
    // BudgetExhausted: when Pipedrive said the budget comes back (Retry-After); invalid if it did
    // not say. The budget resets at midnight in Pipedrive's server time zone.
    QDateTime retryAt {};

    bool isError() const { return kind != Kind::None; }
    // Worth trying again after a pause (the rest stop the run).
    bool isTransient() const;
    // When a rate-limited caller may try again, computed from Retry-After / reset.
    int suggestedWaitMs() const;
    static QString kindName(Kind kind);
    QString toString() const;

    // The sentence that tells when a spent daily budget comes back, from Retry-After when
    // Pipedrive sent it (retryAt), else the rule: midnight in Pipedrive's server time zone.
    static QString budgetResetText(const QDateTime &retryAt, const QDateTime &now);
};

} // namespace pds
