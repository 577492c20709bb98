// The client against the fake Pipedrive server on loopback: paging, errors, retries, limits.
// Every case runs twice: replies read in the client's thread, and on its network thread (as the
// sync engine reads them).

#include "api/apiclient.h"
#include "api/connectioncheck.h"
#include "api/pager.h"
#include "fakepipedrive.h"
#include "threadpolicy.h"

#include <QMutex>
#include <QNetworkAccessManager>
#include <QSet>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace pds;
using FE = pds::test::Entity;

class TestApiClient : public QObject
{
    Q_OBJECT

public:
    explicit TestApiClient(bool networkThread)
        : m_networkThread(networkThread)
    { }

private:
    bool m_networkThread;
    pds::test::FakePipedriveServer m_server;
    QNetworkAccessManager m_nam;
    QString m_token;

    ApiClient *client(const QString &token = {}, int timeoutMs = 20000)
    {
        return new ApiClient(&m_nam,
            { m_server.baseUrl(), token.isEmpty() ? m_token : token, timeoutMs, m_networkThread },
            this);
    }

    struct Outcome
    {
        QList<ApiPage> pages;
        ApiError error;
        int retries = 0;
        qint64 pacedMs = 0;
    };

    // Reads every page of an endpoint, as the engine does.
    Outcome readAll(ApiClient *apiClient, const Endpoint &endpoint, const QUrlQuery &query,
        int pageSize, const RetryPolicy &policy = RetryPolicy::none())
    {
        Outcome outcome;
        Pager pager(apiClient, endpoint, query, pageSize);
        pager.setRetryPolicy(policy);
        connect(&pager, &Pager::pageReady, this, [&](const ApiPage &page) {
            outcome.pages.append(page);
            if (!page.last)
                pager.fetchNext();
        });
        connect(&pager, &Pager::retrying, this, [&] { ++outcome.retries; });
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(pager.atEnd() || !failed.isEmpty(), 30000);
        }();
        if (!failed.isEmpty())
            outcome.error = failed.first().first().value<ApiError>();
        outcome.pacedMs = pager.pacedMs();
        return outcome;
    }

    static QList<qint64> ids(const QList<ApiPage> &pages)
    {
        QList<qint64> result;
        for (const ApiPage &page : pages) {
            for (const json::Value &value : page.items)
                result << qint64(value.toObject().value(QLatin1String("id")).toDouble());
        }
        return result;
    }

private slots:
    void initTestCase()
    {
        m_token = QString::number(QRandomGenerator::global()->generate64(), 16);
        m_server.setApiToken(m_token);
        m_server.generate(7, pds::test::DatasetSizes::fromTotal(3000));
        QVERIFY(m_server.listen() != 0);
    }

    void init()
    {
        m_server.setFaultPlan({});
        m_server.resetCounters();
    }

    void cursorPagingReadsEverythingOnce()
    {
        const Outcome outcome = readAll(client(), endpoints::persons(), {}, 37);
        QVERIFY2(!outcome.error.isError(), qPrintable(outcome.error.toString()));
        const QList<qint64> got = ids(outcome.pages);
        QCOMPARE(got, m_server.dataset().ids(FE::Persons));
        QVERIFY(outcome.pages.size() > 10);
        QVERIFY(outcome.pages.last().last);
        // Each page says where the next one starts; the last says nothing.
        QVERIFY(outcome.pages.first().nextPosition.size() > 0);
        QVERIFY(outcome.pages.last().nextPosition.isEmpty());
        // Far under the burst limit the answers report: nothing held back.
        QCOMPARE(outcome.pacedMs, qint64(0));
    }

    void offsetPagingReadsEverythingOnce()
    {
        const Outcome outcome = readAll(client(), endpoints::notes(), {}, 23);
        QVERIFY2(!outcome.error.isError(), qPrintable(outcome.error.toString()));
        QCOMPARE(ids(outcome.pages), m_server.dataset().ids(FE::Notes));
        QVERIFY(outcome.pages.size() > 5);
        QCOMPARE(outcome.pages.at(1).position, QStringLiteral("23"));
    }

    void unpagedUsersComeInOneRequest()
    {
        ApiClient *apiClient = client();
        const Outcome outcome = readAll(apiClient, endpoints::users(), {}, 500);
        QVERIFY(!outcome.error.isError());
        QCOMPARE(outcome.pages.size(), 1);
        QCOMPARE(apiClient->requestCount(), 1);
        QCOMPARE(ids(outcome.pages), m_server.dataset().ids(FE::Users));
    }

    void resumesFromASavedPosition()
    {
        const Outcome first = readAll(client(), endpoints::deals(), {}, 50);
        QVERIFY(first.pages.size() > 3);
        Pager pager(client(), endpoints::deals(), {}, 50);
        pager.resumeFrom(first.pages.at(2).position);
        QSignalSpy ready(&pager, &Pager::pageReady);
        pager.fetchNext();
        QVERIFY(ready.wait());
        QCOMPARE(
            ready.first().first().value<ApiPage>().items.toQt(), first.pages.at(2).items.toQt());
    }

    void countsRequestsAndTokens()
    {
        ApiClient *apiClient = client();
        const Outcome outcome = readAll(apiClient, endpoints::organizations(), {}, 100);
        QVERIFY(!outcome.error.isError());
        QCOMPARE(apiClient->requestCount(), outcome.pages.size());
        QCOMPARE(apiClient->tokensSpent(), qint64(outcome.pages.size()) * 10);
    }

    void wrongTokenIsAnAuthenticationError()
    {
        const Outcome outcome
            = readAll(client(QStringLiteral("not-the-token")), endpoints::deals(), {}, 100);
        QCOMPARE(outcome.error.kind, ApiError::Kind::Authentication);
        QCOMPARE(outcome.error.httpStatus, 401);
        QVERIFY(outcome.error.message.contains(QLatin1String("unauthorized")));
        QVERIFY(!outcome.error.message.contains(QLatin1String("not-the-token")));
    }

    void rateLimitIsTypedWithItsHeaders()
    {
        m_server.failNext429(1, 3);
        const Outcome outcome = readAll(client(), endpoints::deals(), {}, 100);
        QCOMPARE(outcome.error.kind, ApiError::Kind::RateLimited);
        QCOMPARE(outcome.error.httpStatus, 429);
        QCOMPARE(outcome.error.rateLimit.retryAfterSeconds, 3);
        QVERIFY(outcome.error.rateLimit.limit > 0);
        QVERIFY(outcome.error.rateLimit.remaining >= 0);
    }

    void rateLimitIsWaitedOutAndReadingGoesOn()
    {
        m_server.failNext429(2, 0, 1);
        const Outcome outcome
            = readAll(client(), endpoints::activities(), {}, 200, RetryPolicy { 3, 1, 5, 5 });
        QVERIFY2(!outcome.error.isError(), qPrintable(outcome.error.toString()));
        QCOMPARE(outcome.retries, 2);
        QCOMPARE(ids(outcome.pages), m_server.dataset().ids(FE::Activities));
    }

    void exhaustedBudgetStopsWithItsOwnKind()
    {
        m_server.setDailyBudget(25);
        const Outcome outcome
            = readAll(client(), endpoints::persons(), {}, 100, RetryPolicy { 3, 1, 5, 5 });
        m_server.setDailyBudget(0);
        QCOMPARE(outcome.error.kind, ApiError::Kind::BudgetExhausted);
        QCOMPARE(outcome.error.rateLimit.dailyTokensRemaining, 0);
        // The pages the budget paid for arrived (10 tokens each), then the stop.
        QVERIFY(outcome.pages.size() >= 2 && outcome.pages.size() <= 3);
    }

    void serverErrorIsTyped()
    {
        m_server.failNextServerError(1, 503);
        const Outcome outcome = readAll(client(), endpoints::deals(), {}, 100);
        QCOMPARE(outcome.error.kind, ApiError::Kind::Server);
        QCOMPARE(outcome.error.httpStatus, 503);
    }

    void transientFaultsAreRetried()
    {
        m_server.failNextServerError(1, 500, 1);
        m_server.dropNextConnections(1, 2);
        m_server.cutNextBodies(1, 3);
        const Outcome outcome
            = readAll(client(), endpoints::organizations(), {}, 50, RetryPolicy { 4, 1, 5, 3 });
        QVERIFY2(!outcome.error.isError(), qPrintable(outcome.error.toString()));
        // Qt itself re-sends once on a keep-alive connection that closes before any answer, so
        // a dropped connection may never reach the pager.
        QVERIFY(outcome.retries >= 2);
        QCOMPARE(ids(outcome.pages), m_server.dataset().ids(FE::Organizations));
    }

    // Each successful answer's items reach the pager's hook as soon as they are parsed (on the
    // network thread when there is one), in page order and before pageReady() brings the same
    // page; failed answers that are retried do not.
    void itemsReachTheHookBeforeTheirPage()
    {
        m_server.failNextServerError(1, 500, 1);
        QMutex mutex;
        QList<json::Array> hooked;
        QSet<QThread *> threads;
        Pager pager(client(), endpoints::organizations(), {}, 50);
        pager.setRetryPolicy(RetryPolicy { 4, 1, 5, 3 });
        pager.setOnItems([&](const json::Array &items) {
            const QMutexLocker lock(&mutex);
            hooked.append(items);
            threads.insert(QThread::currentThread());
        });
        QList<ApiPage> pages;
        bool hookedFirst = true;
        connect(&pager, &Pager::pageReady, this, [&](const ApiPage &page) {
            {
                const QMutexLocker lock(&mutex);
                hookedFirst = hookedFirst && hooked.size() == pages.size() + 1
                    && hooked.last().sameAs(page.items);
            }
            pages.append(page);
            if (!page.last)
                pager.fetchNext();
        });
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QTRY_VERIFY_WITH_TIMEOUT(pager.atEnd() || !failed.isEmpty(), 30000);
        QVERIFY(failed.isEmpty());
        QVERIFY(pages.size() > 2);
        QVERIFY(hookedFirst);
        const QMutexLocker lock(&mutex);
        QCOMPARE(hooked.size(), pages.size());
        QCOMPARE(threads.size(), 1);
        QCOMPARE(threads.contains(QThread::currentThread()), !m_networkThread);
    }

    // A pager told to read ahead has, on a network thread, each cursor page's next one asked
    // for as soon as the page is parsed: the server sees the second request before the caller
    // asks for it. Asking then takes that answer: every page comes once, and no request is made
    // twice or for nothing. In the client's own thread nothing is read ahead.
    void readingAheadAsksForTheNextPageBeforeTheCallerDoes()
    {
        // A query whose items the URL spells encoded (the page read ahead puts them together
        // again): the request still takes it.
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("updated_since"), QStringLiteral("2000-01-01T00:00:00Z"));
        Pager pager(client(), endpoints::persons(), query, 37);
        pager.setReadAhead(true);
        QList<ApiPage> pages;
        connect(&pager, &Pager::pageReady, this, [&](const ApiPage &page) { pages.append(page); });
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QTRY_COMPARE(pages.size(), 1);
        if (m_networkThread)
            QTRY_COMPARE(m_server.requestCount(), 2);
        while (failed.isEmpty() && !pages.last().last) {
            const qsizetype had = pages.size();
            pager.fetchNext();
            QTRY_VERIFY(pages.size() > had || !failed.isEmpty());
        }
        QVERIFY(failed.isEmpty());
        QCOMPARE(ids(pages), m_server.dataset().ids(FE::Persons));
        QVERIFY(pages.size() > 10);
        QCOMPARE(m_server.requestCount(), pages.size());
        const QList<QString> log = m_server.requestLog();
        QCOMPARE(QSet<QString>(log.cbegin(), log.cend()).size(), log.size());
    }

    // A page read ahead that failed is the answer its request takes, and the pager retries it as
    // any other: nothing is lost or read twice.
    void aReadAheadThatFailedIsRetried()
    {
        m_server.failNextServerError(1, 500, 1); // the second request: page 2, read ahead
        Pager pager(client(), endpoints::persons(), {}, 37);
        pager.setReadAhead(true);
        pager.setRetryPolicy(RetryPolicy { 4, 1, 5, 3 });
        QList<ApiPage> pages;
        int retries = 0;
        connect(&pager, &Pager::pageReady, this, [&](const ApiPage &page) {
            pages.append(page);
            if (!page.last)
                pager.fetchNext();
        });
        connect(&pager, &Pager::retrying, this, [&] { ++retries; });
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QTRY_VERIFY_WITH_TIMEOUT(pager.atEnd() || !failed.isEmpty(), 30000);
        QVERIFY(failed.isEmpty());
        QCOMPARE(retries, 1);
        QCOMPARE(ids(pages), m_server.dataset().ids(FE::Persons));
        QCOMPARE(m_server.requestCount(), pages.size() + 1);
    }

    // The network thread yields to the thread that wakes it (SCHED_BATCH: see
    // serveOtherThreads()); the client's own thread keeps its policy.
    void theNetworkThreadServesTheClientsThread()
    {
        std::atomic<int> hookServed = -1;
        Pager pager(client(), endpoints::organizations(), {}, 50);
        pager.setOnItems(
            [&](const json::Array &) { hookServed = pds::servesOtherThreads() ? 1 : 0; });
        QSignalSpy ready(&pager, &Pager::pageReady);
        pager.fetchNext();
        QVERIFY(ready.wait());
        QCOMPARE(hookServed.load(), m_networkThread ? 1 : 0);
        QVERIFY(!pds::servesOtherThreads());
    }

    void htmlPageIsAnErrorNotACrash()
    {
        m_server.failNextHtml403(1);
        const Outcome outcome = readAll(client(), endpoints::deals(), {}, 100);
        QCOMPARE(outcome.error.kind, ApiError::Kind::Blocked);
        QCOMPARE(outcome.error.httpStatus, 403);
    }

    void cutBodyIsANetworkError()
    {
        m_server.cutNextBodies(1);
        const Outcome outcome = readAll(client(), endpoints::deals(), {}, 100);
        QVERIFY2(outcome.error.kind == ApiError::Kind::Network
                || outcome.error.kind == ApiError::Kind::Malformed,
            qPrintable(outcome.error.toString()));
    }

    void droppedConnectionIsANetworkError()
    {
        m_server.dropNextConnections(5); // more than Qt's own silent re-send
        const Outcome outcome = readAll(client(), endpoints::deals(), {}, 100);
        QCOMPARE(outcome.error.kind, ApiError::Kind::Network);
    }

    void slowAnswerTimesOut()
    {
        m_server.setLatencyMs(3000);
        const Outcome outcome = readAll(client({}, 300), endpoints::deals(), {}, 100);
        m_server.setLatencyMs(0);
        QCOMPARE(outcome.error.kind, ApiError::Kind::Timeout);
    }

    void unreachableHostIsANetworkError()
    {
        ApiClient unreachable(
            &m_nam, { QUrl(QStringLiteral("http://127.0.0.1:1")), m_token, 5000, m_networkThread });
        const Outcome outcome = readAll(&unreachable, endpoints::deals(), {}, 100);
        QCOMPARE(outcome.error.kind, ApiError::Kind::Network);
    }

    void cancelledRequestAnswersAsCancelled()
    {
        m_server.setLatencyMs(2000);
        ApiClient *apiClient = client();
        ApiRequest *request = apiClient->createRequest(endpoints::deals().path);
        QSignalSpy finished(request, &ApiRequest::finished);
        request->start();
        request->cancel();
        // (Read in the client's thread, the answer comes at once; from the network thread, soon.)
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        m_server.setLatencyMs(0);
        QCOMPARE(request->response().error.kind, ApiError::Kind::Cancelled);
    }

    void requestDeletedInFlightLeavesTheClientWorking()
    {
        m_server.setLatencyMs(300);
        ApiClient *apiClient = client();
        ApiRequest *gone = apiClient->createRequest(endpoints::deals().path);
        gone->start();
        delete gone; // its answer must go nowhere, not to a deleted object
        m_server.setLatencyMs(0);
        ApiRequest *next = apiClient->createRequest(endpoints::stages().path);
        QSignalSpy finished(next, &ApiRequest::finished);
        next->start();
        QVERIFY(finished.wait(10000));
        QVERIFY2(next->response().ok(), qPrintable(next->response().error.toString()));
        QVERIFY(!next->response().body.value(QLatin1String("data")).toArray().isEmpty());
    }

    // Two readers side by side (the sync engine asks for the next source's first page while the
    // current source is read) keep a tight burst limit between them: not one 429. The window
    // rolls, so once the wait it told is over, one more request may go, not one each.
    void readersSideBySideKeepTheBurstLimit()
    {
        m_server.setBurstLimit(4);
        ApiClient *apiClient = client();
        Pager persons(apiClient, endpoints::persons(), {}, 50);
        Pager organizations(apiClient, endpoints::organizations(), {}, 10);
        constexpr int PagesEach = 4;
        QHash<Pager *, int> pages;
        int refusals = 0;
        for (Pager *pager : { &persons, &organizations }) {
            connect(pager, &Pager::pageReady, this, [&, pager](const ApiPage &page) {
                if (++pages[pager] < PagesEach && !page.last)
                    pager->fetchNext();
            });
            connect(pager, &Pager::retrying, this, [&] { ++refusals; });
            connect(pager, &Pager::failed, this, [&] { ++refusals; });
        }
        persons.fetchNext();
        organizations.fetchNext();
        QTRY_VERIFY_WITH_TIMEOUT(
            refusals > 0 || (pages[&persons] == PagesEach && pages[&organizations] == PagesEach),
            30000);
        QCOMPARE(refusals, 0);
        QCOMPARE(m_server.requestCount(), 2 * PagesEach);
        // Eight requests under a limit of four: the pagers held some back, and say so.
        QVERIFY(persons.pacedMs() + organizations.pacedMs() > 0);
    }

    void tokenTravelsOnlyInTheHeader()
    {
        const Outcome outcome = readAll(client(), endpoints::stages(), {}, 100);
        QVERIFY(!outcome.error.isError());
        const QStringList log = m_server.requestLog();
        QVERIFY(!log.isEmpty());
        for (const QString &line : log)
            QVERIFY2(!line.contains(m_token), "the token appeared in a request line");
    }

    void connectionCheckNamesCompanyAndUser()
    {
        ConnectionCheck check(&m_nam);
        QSignalSpy finished(&check, &ConnectionCheck::finished);
        check.start(m_server.baseUrl().toString(), m_token);
        QVERIFY(finished.wait());
        const auto account = finished.first().at(0).value<AccountInfo>();
        const auto error = finished.first().at(1).value<ApiError>();
        QVERIFY2(!error.isError(), qPrintable(error.toString()));
        QCOMPARE(account.companyName,
            m_server.dataset().company().value(QLatin1String("company_name")).toString());
        QVERIFY(!account.userName.isEmpty());

        ConnectionCheck wrong(&m_nam);
        QSignalSpy refused(&wrong, &ConnectionCheck::finished);
        wrong.start(m_server.baseUrl().toString(), QStringLiteral("wrong"));
        QVERIFY(refused.wait());
        QCOMPARE(refused.first().at(1).value<ApiError>().kind, ApiError::Kind::Authentication);
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    TestApiClient direct(false);
    TestApiClient threaded(true);
    const int failedDirect = QTest::qExec(&direct, argc, argv);
    const int failedThreaded = QTest::qExec(&threaded, argc, argv);
    return failedDirect + failedThreaded;
}
#include "tst_apiclient.moc"
