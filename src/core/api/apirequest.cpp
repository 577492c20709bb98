#include "apirequest.h"

#include "networkthread.h"

#include "companydomain.h"
#include "logging.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QNetworkAccessManager>

namespace pds {

namespace {

QByteArray headerValue(const QList<QNetworkReply::RawHeaderPair> &headers, const char *name)
{
    for (const auto &pair : headers) {
        if (pair.first.compare(name, Qt::CaseInsensitive) == 0)
            return pair.second.trimmed();
    }
    return {};
}

qint64 headerInt(const QList<QNetworkReply::RawHeaderPair> &headers, const char *name)
{
    bool ok = false;
    const qint64 value = headerValue(headers, name).toLongLong(&ok);
    return ok ? value : -1;
}

bool looksLikeHtml(const QByteArray &contentType, const QByteArray &body)
{
    if (contentType.contains("text/html"))
        return true;
    const QByteArray start = body.left(256).trimmed().toLower();
    return start.startsWith("<!doctype html") || start.startsWith("<html") || start.startsWith("<");
}

// Pipedrive's error envelope carries "error" (and sometimes "error_info"); keep it short.
QString envelopeMessage(const json::Object &object)
{
    QString message = object.value(QLatin1String("error")).toString();
    if (message.isEmpty())
        message = object.value(QLatin1String("message")).toString();
    return message.left(300);
}

} // namespace

RateLimitInfo parseRateLimitHeaders(const QList<QNetworkReply::RawHeaderPair> &headers)
{
    RateLimitInfo info;
    info.limit = int(headerInt(headers, "x-ratelimit-limit"));
    info.remaining = int(headerInt(headers, "x-ratelimit-remaining"));
    bool ok = false;
    const double reset = headerValue(headers, "x-ratelimit-reset").toDouble(&ok);
    info.resetSeconds = ok ? reset : -1;
    // Retry-After is seconds here; the HTTP-date form is not used by Pipedrive.
    info.retryAfterSeconds = int(headerInt(headers, "retry-after"));
    info.dailyTokenLimit = headerInt(headers, "x-daily-ratelimit-token-limit");
    info.dailyTokensRemaining = headerInt(headers, "x-daily-ratelimit-token-remaining");
    return info;
}

ApiResponse interpretReply(const RawReply &raw, const QString &path)
{
    ApiResponse response;
    response.httpStatus = raw.httpStatus;
    response.bytes = raw.body.size();
    response.rateLimit = parseRateLimitHeaders(raw.headers);
    ApiError &error = response.error;
    error.httpStatus = raw.httpStatus;
    error.path = path;
    error.rateLimit = response.rateLimit;
    auto fail = [&](ApiError::Kind kind, const QString &message) {
        error.kind = kind;
        error.message = message;
        return response;
    };

    if (raw.cancelled)
        return fail(ApiError::Kind::Cancelled, QStringLiteral("The request was cancelled."));
    if (raw.timedOut)
        return fail(ApiError::Kind::Timeout,
            QStringLiteral("Pipedrive did not answer %1 in time.").arg(path));

    const int status = raw.httpStatus;
    if (status == 0) {
        // No HTTP status at all: the connection failed before any answer.
        return fail(ApiError::Kind::Network,
            QStringLiteral("could not reach Pipedrive for %1: %2")
                .arg(path, raw.networkErrorString));
    }

    const bool html = looksLikeHtml(raw.contentType, raw.body);
    // Only an error's (small) body is parsed for its message here: a page of data is parsed
    // once, below (parsing it twice was half of the network thread's time).
    const QString serverMessage = html || status < 400
        ? QString()
        : envelopeMessage(json::parse(raw.body, nullptr).toObject());
    if (status >= 300 && status < 400) {
        // Not followed: the token would go along to wherever it points. Usually a company domain
        // that moved or is mistyped; asking again would only be redirected again.
        const QByteArray location = headerValue(raw.headers, "location");
        return fail(ApiError::Kind::NotFound,
            QStringLiteral("Pipedrive redirected %1 (HTTP %2)%3; redirects are not followed.")
                .arg(path)
                .arg(status)
                .arg(location.isEmpty() ? QString()
                                        : QStringLiteral(" to ")
                            + QUrl(QString::fromUtf8(location))
                                  .adjusted(QUrl::RemoveQuery | QUrl::RemoveUserInfo)
                                  .toString()));
    }
    if (status == 401)
        return fail(ApiError::Kind::Authentication,
            QStringLiteral("Pipedrive refused the API token (%1).")
                .arg(serverMessage.isEmpty() ? QStringLiteral("unauthorized") : serverMessage));
    if (status == 403) {
        if (html)
            return fail(ApiError::Kind::Blocked,
                QStringLiteral("Pipedrive answered with a 403 web page instead of data: the "
                               "integration is being blocked, usually after too many "
                               "rate-limited requests. Wait before trying again."));
        // API-NOTES §9: a valid token whose user lacks a permission (or an OAuth scope).
        return fail(ApiError::Kind::Forbidden,
            QStringLiteral("Pipedrive refused access to %1 (%2).")
                .arg(path, serverMessage.isEmpty() ? QStringLiteral("forbidden") : serverMessage));
    }
    if (status == 402)
        return fail(ApiError::Kind::AccountClosed,
            QStringLiteral("Pipedrive refused %1: the company account is not open (%2).")
                .arg(path,
                    serverMessage.isEmpty() ? QStringLiteral("payment required") : serverMessage));
    if (status == 429) {
        if (response.rateLimit.dailyTokensRemaining == 0) {
            const QDateTime now = QDateTime::currentDateTimeUtc();
            if (response.rateLimit.retryAfterSeconds > 0)
                error.retryAt = now.addSecs(response.rateLimit.retryAfterSeconds);
            const QString limit = response.rateLimit.dailyTokenLimit > 0
                ? QStringLiteral(" (%1 tokens a day)").arg(response.rateLimit.dailyTokenLimit)
                : QString();
            return fail(ApiError::Kind::BudgetExhausted,
                QStringLiteral("The company's daily Pipedrive API budget is used up%1. %2")
                    .arg(limit, ApiError::budgetResetText(error.retryAt, now)));
        }
        return fail(ApiError::Kind::RateLimited,
            QStringLiteral("Pipedrive's rate limit was reached (%1).")
                .arg(serverMessage.isEmpty() ? QStringLiteral("Request over limit")
                                             : serverMessage));
    }
    if (status == 404 || status == 410)
        return fail(ApiError::Kind::NotFound,
            QStringLiteral("Pipedrive has no %1 (%2).")
                .arg(path, serverMessage.isEmpty() ? QStringLiteral("not found") : serverMessage));
    if (status >= 500)
        return fail(ApiError::Kind::Server,
            QStringLiteral("Pipedrive had a server error on %1%2.")
                .arg(path,
                    serverMessage.isEmpty() ? QString() : QStringLiteral(": ") + serverMessage));
    if (status >= 400)
        return fail(ApiError::Kind::BadRequest,
            QStringLiteral("Pipedrive rejected the request %1%2.")
                .arg(path,
                    serverMessage.isEmpty() ? QString() : QStringLiteral(": ") + serverMessage));

    // A 2xx: the body must be complete JSON in Pipedrive's envelope.
    if (raw.networkError != QNetworkReply::NoError
        || (raw.contentLength >= 0 && raw.body.size() < raw.contentLength))
        return fail(ApiError::Kind::Network,
            QStringLiteral("The connection broke while reading %1 (%2 of %3 bytes).")
                .arg(path)
                .arg(raw.body.size())
                .arg(raw.contentLength));
    if (html)
        return fail(ApiError::Kind::Malformed,
            QStringLiteral("Pipedrive sent a web page instead of data for %1.").arg(path));
    QString parseError;
    const json::Value doc = json::parse(raw.body, &parseError);
    if (doc.isUndefined())
        return fail(ApiError::Kind::Malformed,
            QStringLiteral("Pipedrive's answer for %1 is not valid JSON (%2).")
                .arg(path, parseError));
    if (!doc.isObject())
        return fail(ApiError::Kind::Malformed,
            QStringLiteral("Pipedrive's answer for %1 is not a JSON object.").arg(path));
    const json::Object body = doc.toObject();
    if (const json::Value success = body.value(QLatin1String("success"));
        !success.isBool() || !success.toBool()) {
        const QString message = envelopeMessage(body);
        return fail(ApiError::Kind::Malformed,
            QStringLiteral("Pipedrive's answer for %1 does not report success%2.")
                .arg(path, message.isEmpty() ? QString() : QStringLiteral(": ") + message));
    }
    if (!body.contains(QLatin1String("data")))
        return fail(ApiError::Kind::Malformed,
            QStringLiteral("Pipedrive's answer for %1 has no data.").arg(path));
    response.body = body;
    return response;
}

ApiRequest::ApiRequest(QNetworkAccessManager *nam, const QNetworkRequest &request,
    const QString &path, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_request(request)
    , m_path(path)
    , m_timeoutMs(timeoutMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ApiRequest::onTimeout);
}

ApiRequest::ApiRequest(std::shared_ptr<NetworkThread> network, const QNetworkRequest &request,
    const QString &path, int timeoutMs, QObject *parent)
    : ApiRequest(static_cast<QNetworkAccessManager *>(nullptr), request, path, timeoutMs, parent)
{
    m_network = std::move(network);
}

ApiRequest::~ApiRequest()
{
    if (m_job) {
        {
            const QMutexLocker lock(&m_job->mutex);
            m_job->owner = nullptr;
        }
        if (!m_done)
            m_network->abort(m_job);
    }
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void ApiRequest::start()
{
    m_elapsed.start();
    const QUrl url = m_request.url();
    const bool secure = url.scheme() == QLatin1String("https");
    if (!secure && !(url.scheme() == QLatin1String("http") && isLoopbackHost(url.host()))) {
        // The token would travel in clear text: refuse before anything is sent. Reported from the
        // event loop, like every other answer.
        m_done = true;
        m_response.error.kind = ApiError::Kind::Configuration;
        m_response.error.path = m_path;
        m_response.error.message
            = QStringLiteral("Refusing to send the API token over plain %1 to %2: use https.")
                  .arg(url.scheme(), url.host());
        QMetaObject::invokeMethod(this, &ApiRequest::finished, Qt::QueuedConnection);
        return;
    }
    if (m_network) {
        m_job = std::make_shared<NetworkJob>();
        m_job->owner = this;
        m_job->onParsed = m_onParsed;
        m_job->readAhead = m_readAhead;
        m_network->get(m_job, m_request, m_path);
    } else {
        m_reply = m_nam->get(m_request);
        connect(m_reply, &QNetworkReply::finished, this, &ApiRequest::onReplyFinished);
    }
    if (m_timeoutMs > 0)
        m_timer.start(m_timeoutMs);
}

void ApiRequest::cancel()
{
    m_cancelled = true;
    if (m_job && !m_done) {
        m_job->cancelled = true;
        m_network->abort(m_job);
    }
    if (m_reply)
        m_reply->abort();
}

void ApiRequest::onTimeout()
{
    m_timedOut = true;
    if (m_job && !m_done) {
        m_job->timedOut = true;
        m_network->abort(m_job);
    }
    if (m_reply)
        m_reply->abort();
}

void ApiRequest::onReplyFinished()
{
    if (m_done)
        return;
    m_done = true;
    m_timer.stop();
    QNetworkReply *reply = m_reply;
    m_response = interpretReply(readReply(reply, m_timedOut, m_cancelled && !m_timedOut), m_path);
    reply->deleteLater();
    m_reply = nullptr;
    if (m_onParsed && m_response.ok())
        m_onParsed(m_response);
    finish();
}

void ApiRequest::deliver(const ApiResponse &response)
{
    if (m_done)
        return;
    m_done = true;
    m_timer.stop();
    m_response = response;
    finish();
}

void ApiRequest::finish()
{
    m_response.elapsedMs = m_elapsed.elapsed();
    // The query holds only paging and filters: the token travels in a header, never in the URL.
    qCDebug(lcApi).noquote() << "GET" << m_request.url().path() << m_request.url().query() << "->"
                             << m_response.httpStatus << m_response.bytes << "bytes"
                             << m_response.elapsedMs << "ms"
                             << (m_response.ok() ? QString() : m_response.error.toString());
    emit finished();
}

QString nextCursor(const json::Object &additionalData)
{
    const json::Value next = additionalData.value(QLatin1String("next_cursor"));
    return next.isString() ? next.toString() : QString();
}

RawReply readReply(QNetworkReply *reply, bool timedOut, bool cancelled)
{
    RawReply raw;
    raw.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    raw.networkError = reply->error();
    raw.networkErrorString = reply->errorString();
    raw.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
    raw.contentLength = length.isValid() ? length.toLongLong() : -1;
    if (reply->isOpen()) { // an aborted reply is closed: nothing to read
        // Read with room after it for the JSON parser's look-ahead (json::parse()), which copied
        // each page into a padded buffer of its own otherwise.
        const qint64 available = reply->bytesAvailable();
        raw.body.reserve(available + json::ParsePadding);
        raw.body.resize(available);
        raw.body.resize(qMax<qint64>(0, reply->read(raw.body.data(), available)));
        raw.body += reply->readAll(); // anything that came after bytesAvailable()
    }
    raw.headers = reply->rawHeaderPairs();
    raw.timedOut = timedOut;
    raw.cancelled = cancelled;
    return raw;
}

} // namespace pds
