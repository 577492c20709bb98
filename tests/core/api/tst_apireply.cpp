#include "api/apirequest.h"

#include <QtTest>

using pds::ApiError;
using pds::RawReply;

Q_DECLARE_METATYPE(ApiError::Kind)

namespace {

RawReply reply(int status, const QByteArray &body,
    const QByteArray &contentType = "application/json",
    QList<QNetworkReply::RawHeaderPair> headers = {})
{
    RawReply raw;
    raw.httpStatus = status;
    raw.body = body;
    raw.contentType = contentType;
    raw.contentLength = body.size();
    raw.headers = headers;
    return raw;
}

} // namespace

// Each rule of turning a wire answer into a typed result, without a network.
class TestApiReply : public QObject
{
    Q_OBJECT
private slots:
    void classifiesAnswers_data()
    {
        QTest::addColumn<RawReply>("raw");
        QTest::addColumn<ApiError::Kind>("kind");
        const QByteArray envelope
            = R"({"success":false,"error":"x","data":null,"additional_data":null})";
        QTest::newRow("ok") << reply(200, R"({"success":true,"data":[]})") << ApiError::Kind::None;
        QTest::newRow("401") << reply(
            401, R"({"success":false,"error":"unauthorized access","errorCode":401})")
                             << ApiError::Kind::Authentication;
        // API-NOTES §9: a valid token whose user lacks the permission; an account not open.
        QTest::newRow("403 json") << reply(403,
            R"({"success":false,"error":"You do not have permissions to do this.","errorCode":403})")
                                  << ApiError::Kind::Forbidden;
        QTest::newRow("402") << reply(
            402, R"({"success":false,"error":"Company account is not open","errorCode":402})")
                             << ApiError::Kind::AccountClosed;
        QTest::newRow("403 cloudflare html") << reply(
            403, "<!DOCTYPE html><html><title>Attention Required!</title></html>", "text/html")
                                             << ApiError::Kind::Blocked;
        QTest::newRow("404") << reply(404, envelope) << ApiError::Kind::NotFound;
        // Not followed (the token would go along), and not asked again: a domain that moved.
        QTest::newRow("301") << reply(301, "<html>Moved</html>", "text/html",
            { { "location", "https://elsewhere.pipedrive.com/api/v2/deals?x=1" } })
                             << ApiError::Kind::NotFound;
        QTest::newRow("400") << reply(400, envelope) << ApiError::Kind::BadRequest;
        QTest::newRow("429 burst") << reply(429, envelope) << ApiError::Kind::RateLimited;
        QTest::newRow("429 budget") << reply(
            429, envelope, "application/json", { { "x-daily-ratelimit-token-remaining", "0" } })
                                    << ApiError::Kind::BudgetExhausted;
        QTest::newRow("500") << reply(500, envelope) << ApiError::Kind::Server;
        QTest::newRow("503 html") << reply(503, "<html>maintenance</html>", "text/html")
                                  << ApiError::Kind::Server;
        QTest::newRow("200 html page") << reply(200, "<html><body>login</body></html>", "text/html")
                                       << ApiError::Kind::Malformed;
        QTest::newRow("200 not json")
            << reply(200, "{\"success\":tru") << ApiError::Kind::Malformed;
        QTest::newRow("200 json array") << reply(200, "[1,2]") << ApiError::Kind::Malformed;
        QTest::newRow("200 success false") << reply(200, envelope) << ApiError::Kind::Malformed;
        QTest::newRow("200 without data")
            << reply(200, R"({"success":true})") << ApiError::Kind::Malformed;
        RawReply cut = reply(200, R"({"success":true,"data":[{"id":1},)");
        cut.contentLength = 500;
        QTest::newRow("cut body") << cut << ApiError::Kind::Network;
        RawReply refused;
        refused.networkError = QNetworkReply::ConnectionRefusedError;
        refused.networkErrorString = QStringLiteral("Connection refused");
        QTest::newRow("refused") << refused << ApiError::Kind::Network;
        RawReply late = reply(0, {});
        late.timedOut = true;
        QTest::newRow("timeout") << late << ApiError::Kind::Timeout;
    }
    void classifiesAnswers()
    {
        QFETCH(RawReply, raw);
        QFETCH(ApiError::Kind, kind);
        const pds::ApiResponse response = pds::interpretReply(raw, QStringLiteral("/api/v2/deals"));
        QCOMPARE(response.error.kind, kind);
        if (kind != ApiError::Kind::None) {
            QVERIFY(!response.error.message.isEmpty());
            QCOMPARE(response.error.path, QStringLiteral("/api/v2/deals"));
        }
    }

    void parsesRateLimitHeaders()
    {
        const pds::RateLimitInfo info = pds::parseRateLimitHeaders({ { "X-RateLimit-Limit", "40" },
            { "x-ratelimit-remaining", "3" }, { "x-ratelimit-reset", "1.5" },
            { "Retry-After", "7" }, { "x-daily-ratelimit-token-limit", "60000" },
            { "x-daily-ratelimit-token-remaining", "1234" } });
        QCOMPARE(info.limit, 40);
        QCOMPARE(info.remaining, 3);
        QCOMPARE(info.resetSeconds, 1.5);
        QCOMPARE(info.retryAfterSeconds, 7);
        QCOMPARE(info.dailyTokenLimit, 60000);
        QCOMPARE(info.dailyTokensRemaining, 1234);
        pds::ApiError error;
        error.rateLimit = info;
        QCOMPARE(error.suggestedWaitMs(), 7000);
        error.rateLimit.retryAfterSeconds = -1;
        QCOMPARE(error.suggestedWaitMs(), 1500);
    }

    void missingHeadersReadAsUnknown()
    {
        const pds::RateLimitInfo info
            = pds::parseRateLimitHeaders({ { "x-ratelimit-limit", "abc" } });
        QCOMPARE(info.limit, -1);
        QCOMPARE(info.remaining, -1);
        QVERIFY(!info.isKnown());
    }

    void carriesTheServersMessage_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("400") << 400;
        QTest::newRow("500") << 500;
        // A page is parsed once; its envelope's message is read from that parse.
        QTest::newRow("200 success false") << 200;
    }
    void carriesTheServersMessage()
    {
        QFETCH(int, status);
        const pds::ApiResponse response = pds::interpretReply(
            reply(status, R"({"success":false,"error":"Invalid cursor","data":null})"),
            QStringLiteral("/api/v2/deals"));
        QVERIFY(!response.ok());
        QVERIFY2(response.error.message.contains(QLatin1String("Invalid cursor")),
            qPrintable(response.error.message));
    }

    void errorMessagesNeverCarryTheBodyWholesale()
    {
        // A huge error page must not end up in a log line or a dialog in full.
        const QByteArray longMessage
            = "{\"success\":false,\"error\":\"" + QByteArray(5000, 'x') + "\"}";
        const pds::ApiResponse response
            = pds::interpretReply(reply(500, longMessage), QStringLiteral("/api/v2/deals"));
        QVERIFY(response.error.message.size() < 500);
    }
};

QTEST_GUILESS_MAIN(TestApiReply)
#include "tst_apireply.moc"
