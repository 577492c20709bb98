#include "pager.h"

#include "logging.h"

#include <QRandomGenerator>

namespace pds {

namespace {

// v1 puts pagination under additional_data.pagination; some v1 schemas show it directly under
// additional_data (API-NOTES §3): read both.
json::Object offsetPagination(const json::Object &additionalData)
{
    const json::Object nested = additionalData.value(QLatin1String("pagination")).toObject();
    return nested.isEmpty() ? additionalData : nested;
}

} // namespace

Pager::Pager(ApiClient *client, const Endpoint &endpoint, const QUrlQuery &query, int pageSize,
    QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_endpoint(endpoint)
    , m_query(query)
    , m_pageSize(qBound(1, pageSize, 500))
{
    m_delay.setSingleShot(true);
    // Asked again when the wait is up: a request sent meanwhile (another pager's) may use up
    // what was left of the burst window.
    connect(&m_delay, &QTimer::timeout, this, &Pager::sendWhenAllowed);
}

void Pager::resumeFrom(const QString &position)
{
    m_position = position;
    m_atEnd = false;
}

void Pager::fetchNext()
{
    Q_ASSERT(!m_busy && !m_atEnd);
    m_busy = true;
    m_attempt = 0;
    m_rateLimitWaits = 0;
    sendWhenAllowed();
}

void Pager::sendWhenAllowed()
{
    const int wait = m_client->burstDelayMs();
    if (wait > 0) {
        m_pacedMs += wait;
        m_delay.start(wait);
    } else {
        send();
    }
}

void Pager::cancel()
{
    m_delay.stop();
    if (m_request)
        m_request->cancel();
}

void Pager::send()
{
    ++m_attempt;
    QUrlQuery query = m_query;
    switch (m_endpoint.paging) {
    case Paging::Cursor:
        query.addQueryItem(QStringLiteral("limit"), QString::number(m_pageSize));
        if (!m_position.isEmpty())
            query.addQueryItem(QStringLiteral("cursor"), m_position);
        break;
    case Paging::Offset:
        query.addQueryItem(
            QStringLiteral("start"), m_position.isEmpty() ? QStringLiteral("0") : m_position);
        query.addQueryItem(QStringLiteral("limit"), QString::number(m_pageSize));
        break;
    case Paging::None:
        // Unpaged in the spec: send no paging at all, unless a previous answer asked for more.
        if (!m_position.isEmpty())
            query.addQueryItem(QStringLiteral("start"), m_position);
        break;
    }
    m_request = m_client->createRequest(m_endpoint.path, query, this);
    if (m_onItems) {
        m_request->setOnParsed(
            [hook = m_onItems](const ApiResponse &response) { hook(itemsOf(response.body)); });
    }
    m_request->setReadAhead(m_readAhead && m_endpoint.paging == Paging::Cursor);
    connect(m_request, &ApiRequest::finished, this, &Pager::onFinished);
    m_request->start();
}

int Pager::backoffMs(int attempt) const
{
    if (m_policy.baseDelayMs <= 0)
        return 0;
    const qint64 exponential = qint64(m_policy.baseDelayMs) << qMin(attempt - 1, 16);
    const qint64 capped = qMin<qint64>(exponential, m_policy.maxDelayMs);
    // Full jitter on the upper half keeps many clients from retrying in step.
    const double factor = 0.5 + 0.5 * QRandomGenerator::global()->generateDouble();
    return int(capped * factor);
}

void Pager::scheduleRetry(const ApiError &error, int delayMs)
{
    // A retry is a request like any other: it too stays under the burst limit.
    delayMs = qMax(delayMs, m_client->burstDelayMs());
    qCInfo(lcApi).noquote() << "retrying" << m_endpoint.path << "in" << delayMs << "ms after"
                            << error.toString();
    emit retrying(error, m_attempt, delayMs);
    m_delay.start(delayMs);
}

json::Array Pager::itemsOf(const json::Object &body)
{
    const json::Value data = body.value(QLatin1String("data"));
    // A single-object answer (/users/me) is a page of one.
    return data.isArray() ? data.toArray()
        : data.isObject() ? json::Array(QJsonArray { data.toQt() })
                          : json::Array();
}

void Pager::onFinished()
{
    ApiRequest *request = m_request;
    m_request = nullptr;
    const ApiResponse response = request->response();
    request->deleteLater();
    m_tokens += m_client->noteResponse(response, m_endpoint.tokenCost);
    ++m_responses;

    if (!response.ok()) {
        ApiError error = response.error;
        if (error.kind == ApiError::Kind::RateLimited) {
            ++m_rateLimitWaits;
            const int told = error.suggestedWaitMs();
            const QDateTime now = QDateTime::currentDateTimeUtc();
            if (m_policy.maxRateLimitWaits <= 0) {
                // No waiting allowed: the caller gets the 429 as it is.
            } else if (told > m_policy.maxRateLimitWaitMs) {
                // Hours, not seconds: that is the daily budget, whatever the headers left out.
                error.kind = ApiError::Kind::BudgetExhausted;
                error.retryAt = now.addMSecs(told);
                error.message
                    = QStringLiteral("Pipedrive refuses requests for the next %1 minutes: the "
                                     "company's daily API budget is used up. %2")
                          .arg((told + 59999) / 60000)
                          .arg(ApiError::budgetResetText(error.retryAt, now));
            } else if (m_rateLimitWaits > m_policy.maxRateLimitWaits) {
                // Waiting as told did not help: the daily budget is the likelier cause.
                error.kind = ApiError::Kind::BudgetExhausted;
                error.message = QStringLiteral("Pipedrive kept refusing requests after %1 waits: "
                                               "the daily API budget is probably used up. %2")
                                    .arg(m_rateLimitWaits - 1)
                                    .arg(ApiError::budgetResetText({}, now));
            } else {
                --m_attempt; // a rate-limit wait is not a failed attempt
                // Told: Retry-After or the window's reset, plus a margin for rounding. Not told:
                // exponential backoff with jitter, capped by the policy.
                scheduleRetry(error, told >= 0 ? told + 100 : backoffMs(m_rateLimitWaits));
                return;
            }
        } else if (error.isTransient() && m_attempt < m_policy.maxAttempts) {
            scheduleRetry(error, backoffMs(m_attempt));
            return;
        } else if (error.isTransient() && m_attempt > 1) {
            error.message += QStringLiteral(" Gave up after %1 attempts.").arg(m_attempt);
        }
        error.attempts = m_attempt;
        m_busy = false;
        emit failed(error);
        return;
    }

    ApiPage page;
    page.position = m_position;
    page.index = m_pageIndex++;
    page.items = itemsOf(response.body);
    page.additionalData = response.body.value(QLatin1String("additional_data")).toObject();
    page.relatedObjects = response.body.value(QLatin1String("related_objects")).toObject();
    if (m_endpoint.paging == Paging::Cursor) {
        page.nextPosition = nextCursor(page.additionalData);
    } else {
        const json::Object pagination = offsetPagination(page.additionalData);
        if (pagination.value(QLatin1String("more_items_in_collection")).toBool()) {
            const json::Value nextStart = pagination.value(QLatin1String("next_start"));
            qint64 next = nextStart.isDouble() ? qint64(nextStart.toDouble()) : -1;
            if (next < 0) // more items but no next_start: continue after what we have
                next = m_position.toLongLong() + page.items.size();
            // A next position that does not advance would loop forever: treat it as the end.
            if (next > m_position.toLongLong())
                page.nextPosition = QString::number(next);
        }
    }
    page.last = page.nextPosition.isEmpty();
    m_position = page.nextPosition;
    m_atEnd = page.last;
    m_busy = false;
    emit pageReady(page);
}

} // namespace pds
