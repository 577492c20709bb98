// The sync in the real world: rate limits, server and network faults, cancelling, bad records,
// database faults and the token's safety, each switched on in the fake Pipedrive server or in
// the database, each followed by the check that nothing was lost: the database after the fault
// (and a resumed sync) equals the one an uninterrupted sync writes.

#include "api/apiclient.h"
#include "api/companydomain.h"
#include "api/pager.h"
#include "crmdump.h"
#include "db/runjournal.h"
#include "db/schemamanager.h"
#include "fakepipedrive.h"
#include "sync/syncrunner.h"
#include "testdatabase.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

using namespace pds;
using pds::test::TestDatabase;
using FE = pds::test::Entity;

namespace {

constexpr int SyncTimeoutMs = 120000;
constexpr int PageSize = 25;

// Answers every request with the next scripted HTTP response (the last one repeats): for replies
// the fake does not make, such as a 429 without any rate-limit header.
class ScriptedServer : public QTcpServer
{
public:
    QList<QByteArray> responses;
    int served = 0;

    static QByteArray response(int status, const QByteArray &body, const QByteArray &headers = {},
        const QByteArray &type = "application/json")
    {
        return "HTTP/1.1 " + QByteArray::number(status) + " X\r\ncontent-type: " + type
            + "\r\ncontent-length: " + QByteArray::number(body.size()) + "\r\n" + headers
            + "connection: close\r\n\r\n" + body;
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            if (!buffer->contains("\r\n\r\n"))
                return;
            buffer->clear();
            const QByteArray answer
                = responses.value(qMin<qsizetype>(served, responses.size() - 1));
            ++served;
            socket->write(answer);
            socket->disconnectFromHost();
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
};

// A small tmpfs for the full-disk and read-only cases; needs root (CAP_SYS_ADMIN).
class SmallDisk
{
public:
    explicit SmallDisk(const QString &size)
    {
        if (!m_dir.isValid())
            return;
        const QByteArray options = "size=" + size.toLatin1() + ",mode=0755";
        if (::mount(
                "tmpfs", m_dir.path().toLocal8Bit().constData(), "tmpfs", 0, options.constData())
            == 0)
            m_mounted = true;
        else
            m_whyNot = QStringLiteral("cannot mount a tmpfs (%1): run as root to test a full or "
                                      "read-only file system")
                           .arg(QString::fromLocal8Bit(std::strerror(errno)));
    }
    ~SmallDisk()
    {
        if (m_mounted)
            ::umount2(m_dir.path().toLocal8Bit().constData(), MNT_DETACH);
    }
    bool isMounted() const { return m_mounted; }
    QString whyNot() const { return m_whyNot; }
    QString path(const QString &name) const { return m_dir.filePath(name); }
    bool remount(const QByteArray &options, unsigned long flags = 0)
    {
        return ::mount("tmpfs", m_dir.path().toLocal8Bit().constData(), "tmpfs", MS_REMOUNT | flags,
                   options.constData())
            == 0;
    }

private:
    QTemporaryDir m_dir;
    bool m_mounted = false;
    QString m_whyNot;
};

qint64 count(Database &db, const QString &sql, const QVariantList &values = {})
{
    QSqlQuery query(db.handle());
    query.prepare(sql);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec() || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

} // namespace

class TestResilience : public QObject
{
    Q_OBJECT

private:
    pds::test::FakePipedriveServer m_server;
    QString m_token;
    QDateTime m_since;
    // One uninterrupted sync per database kind: its dumps, its requests and tokens.
    struct Reference
    {
        QStringList exact;
        QStringList canonical;
        QList<qint64> persons; // Pipedrive ids of the persons the CRM accounts for, ascending
        int requests = 0;
        int tokens = 0;
    };
    QHash<QString, Reference> m_reference;

    SyncOptions options(const DatabaseConfig &database) const
    {
        SyncOptions o;
        o.baseUrl = m_server.baseUrl();
        o.token = m_token;
        o.database = database;
        o.bcryptCost = 4; // Devise's 12 is slow on purpose; the format is the same
        o.retry = RetryPolicy { 3, 10, 50, 3 };
        o.retry.dbReconnectDelayMs = 100;
        o.retry.dbReconnectAttempts = 12;
        o.pageSize = PageSize;
        o.requestTimeoutMs = 20000;
        return o;
    }

    using ProgressHook = std::function<void(SyncRunner &, const SyncProgress &)>;
    RunSummary sync(const SyncOptions &o, const ProgressHook &hook = {})
    {
        SyncRunner runner;
        if (hook)
            connect(&runner, &SyncRunner::progress, this,
                [&runner, hook](const SyncProgress &progress) { hook(runner, progress); });
        QSignalSpy finished(&runner, &SyncRunner::finished);
        if (!runner.start(o))
            return {};
        if (!finished.wait(SyncTimeoutMs)) {
            RunSummary timedOut;
            timedOut.outcome = SyncOutcome::Failed;
            timedOut.message = QStringLiteral("the sync did not finish in time");
            return timedOut;
        }
        return finished.first().first().value<RunSummary>();
    }

    static bool completed(const RunSummary &summary)
    {
        return summary.outcome == SyncOutcome::Succeeded
            || summary.outcome == SyncOutcome::FinishedWithProblems;
    }

    static void addKinds()
    {
        QTest::addColumn<QString>("kind");
        for (const QString &kind : TestDatabase::kindNames())
            QTest::newRow(qPrintable(kind)) << kind;
    }

    std::unique_ptr<TestDatabase> database(const QString &kind)
    {
        return std::make_unique<TestDatabase>(TestDatabase::kindFromName(kind));
    }

    // The uninterrupted sync of the dataset into a fresh database of `kind`, made once.
    const Reference *reference(const QString &kind)
    {
        if (m_reference.contains(kind))
            return &m_reference[kind];
        auto db = database(kind);
        if (!db->isValid())
            return nullptr;
        m_server.resetCounters();
        const RunSummary summary = sync(options(db->config()));
        if (!completed(summary)) {
            qWarning("reference sync failed: %s", qPrintable(summary.message));
            return nullptr;
        }
        Reference reference;
        reference.requests = m_server.requestCount();
        reference.tokens = m_server.tokensSpent();
        Database open;
        if (open.open(db->config()).isError())
            return nullptr;
        reference.exact = pds::test::dumpForComparison(open, { m_since, false });
        reference.canonical = pds::test::dumpForComparison(open, { m_since, true });
        reference.persons = pds::test::handledIds(
            open, { QStringLiteral("Contact"), QStringLiteral("Lead") }, QStringLiteral("persons"));
        m_reference.insert(kind, reference);
        m_server.resetCounters(); // the test that asked counts from zero
        return &m_reference[kind];
    }

    // The database equals the reference: exactly on SQLite (ids included), by Pipedrive identity
    // on PostgreSQL, whose sequences do not roll back with a page.
    bool equalsReference(const DatabaseConfig &config, const QString &kind)
    {
        const Reference *expected = reference(kind);
        if (!expected)
            return false;
        Database db;
        if (db.open(config).isError())
            return false;
        const QStringList canonical = pds::test::dumpForComparison(db, { m_since, true });
        if (canonical != expected->canonical) {
            qWarning().noquote() << "canonical dump differs:\n"
                                 << pds::test::firstDifferences(expected->canonical, canonical, 40);
            return false;
        }
        if (config.isSqlite()) {
            const QStringList exact = pds::test::dumpForComparison(db, { m_since, false });
            if (exact != expected->exact) {
                qWarning().noquote() << "exact dump differs:\n"
                                     << pds::test::firstDifferences(expected->exact, exact);
                return false;
            }
        }
        return true;
    }

    // Nothing half-written: the persons the CRM accounts for are exactly those of the pages that
    // committed, i.e. the first N * PageSize persons in Pipedrive's order (or all of them).
    bool personsAreWholePages(const DatabaseConfig &config, const QString &kind)
    {
        const Reference *expected = reference(kind);
        if (!expected)
            return false;
        Database db;
        if (db.open(config).isError())
            return false;
        const QList<qint64> handled = pds::test::handledIds(
            db, { QStringLiteral("Contact"), QStringLiteral("Lead") }, QStringLiteral("persons"));
        const bool whole
            = handled.size() % PageSize == 0 || handled.size() == expected->persons.size();
        if (!whole || handled != expected->persons.mid(0, handled.size())) {
            qWarning("persons in the CRM: %d, not whole pages of %d in order", int(handled.size()),
                PageSize);
            return false;
        }
        return true;
    }

    static QString checkpointOf(const DatabaseConfig &config, const QString &entity)
    {
        Database db;
        if (db.open(config).isError())
            return QStringLiteral("<cannot open>");
        RunJournal journal(db);
        DbError error;
        const QJsonObject checkpoint = journal.checkpoint(entity, &error);
        if (error.isError())
            return QStringLiteral("<error>");
        return QString::fromUtf8(QJsonDocument(checkpoint).toJson(QJsonDocument::Compact));
    }

private slots:
    void initTestCase()
    {
        // One line per request and step is too much here; tokenIsInNoLog... turns them on.
        QLoggingCategory::setFilterRules(QStringLiteral("pds.*.debug=false\npds.*.info=false"));
        m_since = QDateTime::currentDateTimeUtc().addSecs(-60);
        m_token = QStringLiteral("%1").arg(
            QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
        m_server.setApiToken(m_token);
        m_server.generate(5150, { 6, 40, 200, 100, 200, 60 });
        QVERIFY(m_server.listen() != 0);
    }

    void init()
    {
        m_server.setFaultPlan({});
        m_server.resetCounters();
    }

    // ---- rate limits ----------------------------------------------------------------------

    void burstLimitIsKeptWithoutRateLimitErrors()
    {
        // Users, organizations and persons: 12 requests, several windows of a tight limit.
        TestDatabase free(TestDatabase::Kind::Sqlite);
        TestDatabase limited(TestDatabase::Kind::Sqlite);
        SyncOptions o = options(free.config());
        o.entities = { Entity::Users, Entity::Organizations, Entity::Persons };
        QVERIFY(completed(sync(o)));
        const int requests = m_server.requestCount();
        m_server.setBurstLimit(6);
        m_server.resetCounters();
        o.database = limited.config();
        const RunSummary summary = sync(o);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        // Every 429 costs one more request than the unlimited sync made.
        QCOMPARE(m_server.requestCount(), requests);
        Database a, b;
        QVERIFY(a.open(free.config()).isOk() && b.open(limited.config()).isOk());
        QCOMPARE(pds::test::dumpForComparison(b, { m_since, false }),
            pds::test::dumpForComparison(a, { m_since, false }));
    }

    void rateLimitWithRetryAfterIsWaitedOut()
    {
        QVERIFY(reference(QStringLiteral("sqlite")));
        TestDatabase db(TestDatabase::Kind::Sqlite);
        m_server.failNext429(2, 1, 9);
        QStringList statuses;
        const RunSummary summary = sync(options(db.config()),
            [&](SyncRunner &, const SyncProgress &progress) { statuses << progress.status; });
        QVERIFY2(completed(summary), qPrintable(summary.message));
        QCOMPARE(m_server.requestCount(), reference(QStringLiteral("sqlite"))->requests + 2);
        QVERIFY2(statuses.filter(QStringLiteral("rate limit")).size() >= 1,
            qPrintable(statuses.join(QLatin1Char('\n'))));
        QVERIFY(equalsReference(db.config(), QStringLiteral("sqlite")));
    }

    void rateLimitWithoutHeadersBacksOffExponentiallyWithJitter()
    {
        ScriptedServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const QByteArray refused
            = ScriptedServer::response(429, R"({"success":false,"error":"Request over limit"})");
        server.responses = { refused, refused, refused, refused,
            ScriptedServer::response(200, R"({"success":true,"data":[{"id":1}]})") };
        QNetworkAccessManager nam;
        QUrl base;
        base.setScheme(QStringLiteral("http"));
        base.setHost(QStringLiteral("127.0.0.1"));
        base.setPort(server.serverPort());
        ApiClient client(&nam, { base, m_token, 10000 });
        Pager pager(&client, endpoints::users());
        RetryPolicy policy { 3, 100, 400, 6 };
        pager.setRetryPolicy(policy);
        QList<int> delays;
        connect(&pager, &Pager::retrying, this, [&delays](const ApiError &error, int, int delayMs) {
            QCOMPARE(error.kind, ApiError::Kind::RateLimited);
            delays << delayMs;
        });
        QSignalSpy ready(&pager, &Pager::pageReady);
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 20000);
        QVERIFY(failed.isEmpty());
        // The n-th wait is 100 ms * 2^(n-1), capped at 400 ms, less up to half of it as jitter.
        QCOMPARE(delays.size(), 4);
        const QList<int> caps { 100, 200, 400, 400 };
        for (int i = 0; i < delays.size(); ++i)
            QVERIFY2(delays.at(i) >= caps.at(i) / 2 && delays.at(i) <= caps.at(i),
                qPrintable(QStringLiteral("wait %1: %2 ms").arg(i + 1).arg(delays.at(i))));
    }

    void rateLimitThatNeverEndsIsTheBudget()
    {
        ScriptedServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QNetworkAccessManager nam;
        QUrl base;
        base.setScheme(QStringLiteral("http"));
        base.setHost(QStringLiteral("127.0.0.1"));
        base.setPort(server.serverPort());
        ApiClient client(&nam, { base, m_token, 10000 });

        // Told to wait an hour: that is no burst limit.
        server.responses = { ScriptedServer::response(
            429, R"({"success":false,"error":"Request over limit"})", "retry-after: 3600\r\n") };
        {
            Pager pager(&client, endpoints::users());
            pager.setRetryPolicy({ 3, 1, 5, 5 });
            QSignalSpy failed(&pager, &Pager::failed);
            pager.fetchNext();
            QVERIFY(failed.wait(10000));
            const ApiError error = failed.first().first().value<ApiError>();
            QCOMPARE(error.kind, ApiError::Kind::BudgetExhausted);
            QVERIFY(error.retryAt.isValid());
            QVERIFY(qAbs(QDateTime::currentDateTimeUtc().secsTo(error.retryAt) - 3600) < 60);
            QVERIFY2(error.message.contains(QLatin1String("midnight"))
                    && error.message.contains(QLatin1String("UTC")),
                qPrintable(error.message));
            QCOMPARE(server.served, 1);
        }
        // 429 after 429 with nothing said: after the policy's waits, the budget.
        server.served = 0;
        server.responses = { ScriptedServer::response(
            429, R"({"success":false,"error":"Request over limit"})") };
        Pager pager(&client, endpoints::users());
        pager.setRetryPolicy({ 3, 1, 5, 3 });
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QVERIFY(failed.wait(10000));
        const ApiError error = failed.first().first().value<ApiError>();
        QCOMPARE(error.kind, ApiError::Kind::BudgetExhausted);
        QVERIFY(error.message.contains(QLatin1String("midnight")));
        QCOMPARE(server.served, 4);
    }

    void dailyBudgetStopsResumablyAndSaysWhenItResets_data() { addKinds(); }
    void dailyBudgetStopsResumablyAndSaysWhenItResets()
    {
        QFETCH(QString, kind);
        auto db = database(kind);
        if (!db->isValid())
            QSKIP(qPrintable(db->whyNot()));
        const Reference *expected = reference(kind);
        QVERIFY(expected);
        m_server.resetCounters();
        // Enough for about half of the sync.
        m_server.setDailyBudget(expected->tokens / 2);
        const RunSummary stopped = sync(options(db->config()));
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QCOMPARE(stopped.apiError.kind, ApiError::Kind::BudgetExhausted);
        const QString message = stopped.apiError.message;
        QVERIFY2(message.contains(QLatin1String("budget is used up"))
                && message.contains(QLatin1String("midnight in its server's time zone"))
                && message.contains(QLatin1String("UTC"))
                && message.contains(QLatin1String("resumes")),
            qPrintable(message));
        QVERIFY(stopped.apiError.retryAt.isValid());
        QVERIFY(personsAreWholePages(db->config(), kind));
        // The budget is back (a new day): the next sync finishes the work.
        m_server.setDailyBudget(0);
        const RunSummary resumed = sync(options(db->config()));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(db->config(), kind));
    }

    void htmlBlockAfterRepeated429IsReportedAsABlock()
    {
        QVERIFY(reference(QStringLiteral("sqlite")));
        TestDatabase db(TestDatabase::Kind::Sqlite);
        m_server.failNext429(2, 1, 12);
        // A page of a list being read (a first page asked for ahead of its list is asked again
        // when the list starts: see tst_incremental).
        m_server.failNextHtml403(1, 2, QStringLiteral("/api/v2/persons"));
        const RunSummary stopped = sync(options(db.config()));
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QCOMPARE(stopped.apiError.kind, ApiError::Kind::Blocked);
        QCOMPARE(stopped.apiError.httpStatus, 403);
        QVERIFY2(stopped.apiError.message.contains(QLatin1String("web page"))
                && !stopped.apiError.message.contains(QLatin1String("JSON")),
            qPrintable(stopped.apiError.message));
        const RunSummary resumed = sync(options(db.config()));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(db.config(), QStringLiteral("sqlite")));
    }

    // ---- network and server faults --------------------------------------------------------

    void transientFaultsAreRetried_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::newRow("5xx") << QStringLiteral("server_error");
        QTest::newRow("dropped connections") << QStringLiteral("drop");
        QTest::newRow("cut bodies") << QStringLiteral("cut_body");
        QTest::newRow("timeouts") << QStringLiteral("timeout");
    }
    void transientFaultsAreRetried()
    {
        QFETCH(QString, fault);
        QVERIFY(reference(QStringLiteral("sqlite")));
        TestDatabase db(TestDatabase::Kind::Sqlite);
        // Two in a row (the same page twice), then one more later on.
        pds::test::FaultPlan plan;
        const pds::test::ArmedFault armed { 2, 10, 503 };
        if (fault == QLatin1String("server_error"))
            plan.serverError = armed;
        else if (fault == QLatin1String("drop"))
            plan.dropConnection = armed;
        else if (fault == QLatin1String("cut_body"))
            plan.cutBody = armed;
        m_server.setFaultPlan(plan);
        SyncOptions o = options(db.config());
        const bool timeout = fault == QLatin1String("timeout");
        if (timeout)
            o.requestTimeoutMs = 500;
        bool slowed = false;
        QStringList statuses;
        const RunSummary summary = sync(o, [&](SyncRunner &, const SyncProgress &progress) {
            statuses << progress.status;
            // Timeouts: Pipedrive turns slow in the persons and is itself again once the client
            // has given up on a request.
            if (timeout && !slowed && progress.entity == Entity::Persons && progress.done > 0) {
                slowed = true;
                m_server.setLatencyMs(2000);
            } else if (timeout && progress.status.contains(QLatin1String("in time"))) {
                m_server.setLatencyMs(0);
            }
        });
        m_server.setLatencyMs(0);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        // Qt sends a request again by itself when a reused connection drops before any answer;
        // the other faults reach the pager, which says that it retries.
        if (fault != QLatin1String("drop"))
            QVERIFY2(!statuses.filter(QStringLiteral("retrying")).isEmpty(),
                qPrintable(statuses.join(QLatin1Char('\n'))));
        QVERIFY(m_server.requestCount() > reference(QStringLiteral("sqlite"))->requests);
        QVERIFY(equalsReference(db.config(), QStringLiteral("sqlite")));
    }

    void persistentFaultStopsResumablyWithTheReason_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("fault");
        // Every fault on SQLite; on PostgreSQL two (what differs there is the database side).
        for (const char *fault : { "server_error", "drop", "cut_body", "timeout" })
            QTest::newRow(qPrintable(QLatin1String("sqlite ") + QLatin1String(fault)))
                << QStringLiteral("sqlite") << QString::fromLatin1(fault);
        for (const char *fault : { "server_error", "cut_body" })
            QTest::newRow(qPrintable(QLatin1String("postgresql ") + QLatin1String(fault)))
                << QStringLiteral("postgresql") << QString::fromLatin1(fault);
    }
    void persistentFaultStopsResumablyWithTheReason()
    {
        QFETCH(QString, kind);
        QFETCH(QString, fault);
        auto db = database(kind);
        if (!db->isValid())
            QSKIP(qPrintable(db->whyNot()));
        QVERIFY(reference(kind));
        SyncOptions o = options(db->config());
        // Far enough in to be in the middle of the persons.
        const int after = 15;
        ApiError::Kind expectedKind = ApiError::Kind::Server;
        pds::test::FaultPlan plan;
        const pds::test::ArmedFault armed { 1000, after, 500 };
        if (fault == QLatin1String("server_error")) {
            plan.serverError = armed;
        } else if (fault == QLatin1String("drop")) {
            plan.dropConnection = armed;
            expectedKind = ApiError::Kind::Network;
        } else if (fault == QLatin1String("cut_body")) {
            plan.cutBody = armed;
            expectedKind = ApiError::Kind::Network;
        } else {
            // From the persons on, every answer comes later than the client waits.
            o.requestTimeoutMs = 500;
            expectedKind = ApiError::Kind::Timeout;
        }
        m_server.setFaultPlan(plan);
        const bool timeout = fault == QLatin1String("timeout");
        const RunSummary stopped = sync(o, [&](SyncRunner &, const SyncProgress &progress) {
            if (timeout && progress.entity == Entity::Persons && progress.done > 0)
                m_server.setLatencyMs(2000);
        });
        m_server.setFaultPlan({});
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QCOMPARE(stopped.apiError.kind, expectedKind);
        QCOMPARE(stopped.apiError.attempts, o.retry.maxAttempts);
        QVERIFY2(stopped.apiError.message.contains(QLatin1String("Gave up after 3 attempts"))
                && stopped.apiError.message.contains(QLatin1String("resumes")),
            qPrintable(stopped.apiError.message));
        QVERIFY(personsAreWholePages(db->config(), kind));
        const RunSummary resumed = sync(options(db->config()));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(db->config(), kind));
    }

    // ---- cancel ---------------------------------------------------------------------------

    void cancelRollsBackThePageAndTheNextSyncCompletes_data() { addKinds(); }
    void cancelRollsBackThePageAndTheNextSyncCompletes()
    {
        QFETCH(QString, kind);
        auto db = database(kind);
        if (!db->isValid())
            QSKIP(qPrintable(db->whyNot()));
        QVERIFY(reference(kind));
        // Slow answers keep the sync in the persons long enough to be cancelled there.
        m_server.setLatencyMs(20);
        bool asked = false;
        const RunSummary cancelled
            = sync(options(db->config()), [&](SyncRunner &runner, const SyncProgress &progress) {
                  if (!asked && progress.entity == Entity::Persons && progress.done > 0) {
                      asked = true;
                      runner.cancel();
                  }
              });
        m_server.setLatencyMs(0);
        QVERIFY(asked);
        QCOMPARE(cancelled.outcome, SyncOutcome::Cancelled);
        QCOMPARE(cancelled.entities.constLast().entity, Entity::Persons);
        QCOMPARE(cancelled.entities.constLast().outcome, SyncOutcome::Cancelled);
        // A valid checkpoint: where the persons go on.
        const QJsonObject checkpoint = QJsonDocument::fromJson(
            checkpointOf(db->config(), QStringLiteral("persons")).toUtf8())
                                           .object();
        QVERIFY2(!checkpoint.value(QLatin1String("position")).toString().isEmpty(),
            qPrintable(checkpointOf(db->config(), QStringLiteral("persons"))));
        QVERIFY(personsAreWholePages(db->config(), kind));
        const RunSummary resumed = sync(options(db->config()));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(db->config(), kind));
    }

    // ---- bad records ----------------------------------------------------------------------

    void badRecordsAreSkippedOrStoredSafely_data() { addKinds(); }
    void badRecordsAreSkippedOrStoredSafely()
    {
        QFETCH(QString, kind);
        auto testDb = database(kind);
        if (!testDb->isValid())
            QSKIP(qPrintable(testDb->whyNot()));
        const Reference *clean = reference(kind);
        QVERIFY(clean);
        m_server.setBadRecords(true);
        const RunSummary summary = sync(options(testDb->config()));
        m_server.setBadRecords(false);
        QVERIFY2(summary.outcome == SyncOutcome::FinishedWithProblems, qPrintable(summary.message));
        for (const EntityResult &result : summary.entities) {
            const RunCounts &c = result.counts;
            QVERIFY2(
                c.created + c.updated + c.unchanged + c.merged + c.skipped + c.failed == c.fetched,
                qPrintable(entityName(result.entity)));
        }

        Database db;
        QVERIFY(db.open(testDb->config()).isOk());
        // The SQL-looking text did nothing.
        QVERIFY(count(db, QStringLiteral("SELECT COUNT(*) FROM users")) > 0);
        const struct
        {
            FE fake;
            const char *entity;
            QStringList types;
        } entities[] = {
            { FE::Users, "users", { QStringLiteral("User") } },
            { FE::Organizations, "organizations", { QStringLiteral("Organization") } },
            { FE::Persons, "persons", { QStringLiteral("Contact"), QStringLiteral("Lead") } },
            { FE::Deals, "deals", { QStringLiteral("Opportunity") } },
            { FE::Activities, "activities", { QStringLiteral("Task") } },
            { FE::Notes, "notes", { QStringLiteral("Note") } },
        };
        Database cleanDb;
        int badSeen = 0, badStored = 0, badSkipped = 0;
        for (const auto &entity : entities) {
            const QString name = QString::fromLatin1(entity.entity);
            const QList<qint64> handled = pds::test::handledIds(db, entity.types, name);
            const QSet<qint64> handledSet(handled.cbegin(), handled.cend());
            for (const QJsonObject &record : m_server.dataset().records(entity.fake)) {
                const qint64 id = qint64(record.value(QLatin1String("id")).toDouble());
                if (!pds::test::FakePipedriveServer::isBadRecord(entity.fake, id))
                    continue;
                const bool listed
                    = record.value(QLatin1String("status")).toString() != QLatin1String("deleted")
                    && !record.value(QLatin1String("is_deleted")).toBool();
                if (!listed)
                    continue;
                ++badSeen;
                // Each bad record: stored (then safely, see below), or its reason recorded.
                const qint64 problems = count(db,
                    QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_problems WHERE entity = ? "
                                   "AND pipedrive_id = ? AND reason <> ''"),
                    { name, id });
                QVERIFY2(handledSet.contains(id) || problems > 0,
                    qPrintable(
                        QStringLiteral("%1 %2 neither stored nor reported").arg(name).arg(id)));
                problems > 0 ? ++badSkipped : ++badStored;
            }
        }
        QVERIFY(badSeen > 20);
        QVERIFY(badSkipped > 0);
        qInfo("bad records: %d, skipped with a reason: %d, stored: %d", badSeen, badSkipped,
            badStored);
        // Records without a usable id cannot be named by it: they are reported without one.
        QVERIFY(count(db,
                    QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_problems WHERE reason IS "
                                   "NULL OR reason = ''"))
            == 0);
        // What went in follows the CRM's rules; no text beyond what the columns promise to hold.
        QCOMPARE(
            count(db,
                QStringLiteral("SELECT COUNT(*) FROM accounts WHERE name IS NULL OR name = ''")),
            0);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM contacts WHERE email IS NULL")), 0);
        QCOMPARE(
            count(db, QStringLiteral("SELECT COUNT(*) FROM contacts WHERE email NOT LIKE '%_@_%'")),
            0);
        // The rest went in: every good person, organization and user of the clean sync is here.
        const QList<qint64> persons = pds::test::handledIds(
            db, { QStringLiteral("Contact"), QStringLiteral("Lead") }, QStringLiteral("persons"));
        int goodMissing = 0;
        for (qint64 id : clean->persons) {
            if (!pds::test::FakePipedriveServer::isBadRecord(FE::Persons, id)
                && !persons.contains(id))
                ++goodMissing;
        }
        QCOMPARE(goodMissing, 0);
    }

    // ---- database faults ------------------------------------------------------------------

    void sqliteLockHeldBrieflyIsWaitedOut()
    {
        QVERIFY(reference(QStringLiteral("sqlite")));
        TestDatabase testDb(TestDatabase::Kind::Sqlite);
        DatabaseConfig config = testDb.config();
        config.busyTimeoutMs = 30000;
        Database holder;
        bool locked = false;
        m_server.setLatencyMs(10);
        const RunSummary summary
            = sync(options(config), [&](SyncRunner &, const SyncProgress &progress) {
                  if (locked || progress.entity != Entity::Persons || progress.done == 0)
                      return;
                  locked = true;
                  // Another writer takes the database for a moment.
                  QVERIFY(holder.open(config).isOk());
                  QVERIFY(holder.beginTransaction().isOk());
                  QTimer::singleShot(300, this, [&holder] { holder.rollback(); });
              });
        m_server.setLatencyMs(0);
        QVERIFY(locked);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        holder.close();
        QVERIFY(equalsReference(testDb.config(), QStringLiteral("sqlite")));
    }

    void sqliteLockedTooLongFailsClearlyAndResumes()
    {
        QVERIFY(reference(QStringLiteral("sqlite")));
        TestDatabase testDb(TestDatabase::Kind::Sqlite);
        DatabaseConfig config = testDb.config();
        config.busyTimeoutMs = 300;
        Database holder;
        QStringList atLock;
        m_server.setLatencyMs(10);
        const RunSummary stopped
            = sync(options(config), [&](SyncRunner &, const SyncProgress &progress) {
                  if (!atLock.isEmpty() || progress.entity != Entity::Persons || progress.done == 0)
                      return;
                  DatabaseConfig patient = config;
                  patient.busyTimeoutMs = 30000;
                  QVERIFY(holder.open(patient).isOk());
                  QVERIFY(holder.beginTransaction().isOk());
                  atLock = pds::test::dumpForComparison(holder, { m_since, false });
              });
        m_server.setLatencyMs(0);
        QVERIFY(!atLock.isEmpty());
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QCOMPARE(stopped.dbError.kind, DbError::Kind::Locked);
        QVERIFY2(stopped.message.contains(QLatin1String("locked")), qPrintable(stopped.message));
        // Nothing was written while the other writer held the database.
        QCOMPARE(pds::test::dumpForComparison(holder, { m_since, false }), atLock);
        holder.rollback();
        holder.close();
        QVERIFY(personsAreWholePages(config, QStringLiteral("sqlite")));
        const RunSummary resumed = sync(options(config));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(config, QStringLiteral("sqlite")));
    }

    // A page written while the next one is on its way leaves its transaction open for that page
    // a while (SyncOptions::pageJoinWaitMs): where answers come faster than that, pages share
    // transactions even though none was here when the one before it was written. The CRM is the
    // same as with a transaction a page.
    void pagesOnTheirWayJoinTheOpenTransaction()
    {
        QVERIFY(reference(QStringLiteral("sqlite")));
        TestDatabase waiting(TestDatabase::Kind::Sqlite);
        TestDatabase atOnce(TestDatabase::Kind::Sqlite);
        // Every answer takes 30 ms: each page is written long before the next one is here.
        m_server.setLatencyMs(30);
        SyncOptions a = options(waiting.config());
        a.pageJoinWaitMs = 1000;
        SyncOptions b = options(atOnce.config());
        b.pageJoinWaitMs = 0;
        const RunSummary joined = sync(a);
        const RunSummary single = sync(b);
        m_server.setLatencyMs(0);
        QVERIFY2(completed(joined), qPrintable(joined.message));
        QVERIFY2(completed(single), qPrintable(single.message));
        QCOMPARE(joined.pagesWritten, single.pagesWritten);
        QVERIFY2(joined.pageTransactions < single.pageTransactions
                && joined.pageTransactions < joined.pagesWritten,
            qPrintable(QStringLiteral("%1 pages: %2 transactions waiting, %3 at once")
                           .arg(joined.pagesWritten)
                           .arg(joined.pageTransactions)
                           .arg(single.pageTransactions)));
        QVERIFY(equalsReference(waiting.config(), QStringLiteral("sqlite")));
        QVERIFY(equalsReference(atOnce.config(), QStringLiteral("sqlite")));
    }

    // The summary says how long the sync thread had nothing to write, and why: where every
    // answer takes 60 ms and a page is written in a few, it waited for answers most of the
    // run; staging each page itself, it never waited for one being staged.
    void theSummarySaysWhatTheSyncThreadWaitedFor()
    {
        TestDatabase slowDb(TestDatabase::Kind::Sqlite);
        TestDatabase serialDb(TestDatabase::Kind::Sqlite);
        m_server.setLatencyMs(60);
        QElapsedTimer clock;
        clock.start();
        const RunSummary slow = sync(options(slowDb.config()));
        const qint64 slowMs = clock.elapsed();
        m_server.setLatencyMs(0);
        SyncOptions o = options(serialDb.config());
        o.stageAhead = false;
        const RunSummary serial = sync(o);
        QVERIFY2(completed(slow), qPrintable(slow.message));
        QVERIFY2(completed(serial), qPrintable(serial.message));
        const QString figures = QStringLiteral("%1 pages in %2 ms: %3 ms waiting for answers, %4 "
                                               "for staging; at once: %5 ms and %6 ms")
                                    .arg(slow.pagesWritten)
                                    .arg(slowMs)
                                    .arg(slow.answerWaitMs)
                                    .arg(slow.stagingWaitMs)
                                    .arg(serial.answerWaitMs)
                                    .arg(serial.stagingWaitMs);
        // Each page's answer came 60 ms after the one before it.
        QVERIFY2(slow.answerWaitMs >= 20 * slow.pagesWritten, qPrintable(figures));
        QVERIFY2(slow.answerWaitMs + slow.stagingWaitMs <= slowMs, qPrintable(figures));
        QVERIFY2(serial.answerWaitMs < slow.answerWaitMs / 2, qPrintable(figures));
        QVERIFY2(serial.stagingWaitMs == 0, qPrintable(figures));
    }

    // ... and holds the write lock that much longer at most: another writer gets the database
    // soon after a page is written, not once the next page is here (200 ms later). With a wait
    // longer than the answers take, it does not: the check can fail.
    void theWriteLockIsNotHeldWhileThePageIsLongOnItsWay()
    {
        for (const int joinWaitMs : { 1000, 20 }) {
            TestDatabase testDb(TestDatabase::Kind::Sqlite);
            const DatabaseConfig config = testDb.config();
            std::optional<bool> gotIt;
            m_server.setLatencyMs(200);
            SyncOptions o = options(config);
            o.pageJoinWaitMs = joinWaitMs;
            const RunSummary summary
                = sync(o, [&](SyncRunner &runner, const SyncProgress &progress) {
                      if (gotIt || progress.entity != Entity::Persons || progress.done == 0)
                          return;
                      // Another writer, willing to wait 100 ms, just after a page was written.
                      DatabaseConfig brief = config;
                      brief.busyTimeoutMs = 100;
                      Database other;
                      QVERIFY(other.open(brief).isOk());
                      const DbError began = other.beginTransaction();
                      gotIt = began.isOk();
                      if (began.isOk())
                          other.rollback();
                      else
                          QCOMPARE(began.kind, DbError::Kind::Locked);
                      other.close();
                      runner.cancel();
                  });
            m_server.setLatencyMs(0);
            QVERIFY2(gotIt.has_value(), qPrintable(summary.message));
            QCOMPARE(summary.outcome, SyncOutcome::Cancelled);
            QVERIFY2(*gotIt == (joinWaitMs < 100),
                qPrintable(QStringLiteral("waiting %1 ms for the next page: the other writer %2")
                               .arg(joinWaitMs)
                               .arg(*gotIt ? QStringLiteral("got the database")
                                           : QStringLiteral("did not get it"))));
            // The pages written before the cancel were kept.
            Database db;
            QVERIFY(db.open(config).isOk());
            QSqlQuery q(db.handle());
            QVERIFY(q.exec(QStringLiteral(
                        "SELECT (SELECT COUNT(*) FROM contacts) + (SELECT COUNT(*) FROM leads)"))
                && q.next());
            QVERIFY(q.value(0).toInt() > 0);
        }
    }

    void postgresRestartMidSyncReconnectsAndResumes()
    {
        const QString pgbin = qEnvironmentVariable("PDS_TEST_PGBIN");
        const QString pgdata = qEnvironmentVariable("PDS_TEST_PGDATA");
        if (pgbin.isEmpty() || pgdata.isEmpty())
            QSKIP("PDS_TEST_PGBIN/PDS_TEST_PGDATA not set: run through scripts/test.sh");
        auto testDb = database(QStringLiteral("postgresql"));
        if (!testDb->isValid())
            QSKIP(qPrintable(testDb->whyNot()));
        QVERIFY(reference(QStringLiteral("postgresql")));

        QProcess pgCtl;
        QStringList arguments { pgbin + QStringLiteral("/pg_ctl"), QStringLiteral("-D"), pgdata,
            QStringLiteral("-m"), QStringLiteral("fast"), QStringLiteral("-w"),
            QStringLiteral("restart") };
        if (::geteuid() == 0) // the server runs as postgres, and pg_ctl must too
            arguments = QStringList {
                QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--")
            } + arguments;
        pgCtl.setProgram(::geteuid() == 0 ? QStringLiteral("runuser") : arguments.takeFirst());
        pgCtl.setArguments(arguments);
        pgCtl.setProcessChannelMode(QProcess::MergedChannels);
        // Slow answers until the server is back, so that pages are left to write after it.
        connect(&pgCtl, &QProcess::finished, this, [this] { m_server.setLatencyMs(0); });
        bool restarted = false;
        QStringList statuses;
        const RunSummary summary
            = sync(options(testDb->config()), [&](SyncRunner &, const SyncProgress &progress) {
                  statuses << progress.status;
                  if (restarted || progress.entity != Entity::Persons || progress.done == 0)
                      return;
                  restarted = true;
                  m_server.setLatencyMs(150);
                  pgCtl.start();
              });
        m_server.setLatencyMs(0);
        QVERIFY(restarted);
        if (pgCtl.state() != QProcess::NotRunning)
            QVERIFY(pgCtl.waitForFinished(60000));
        QVERIFY2(pgCtl.exitCode() == 0, pgCtl.readAll().constData());
        QVERIFY2(completed(summary), qPrintable(summary.message));
        // The engine did lose its connection, and found it again.
        QVERIFY2(!statuses.filter(QStringLiteral("reconnected")).isEmpty(),
            qPrintable(statuses.join(QLatin1Char('\n'))));
        QVERIFY(equalsReference(testDb->config(), QStringLiteral("postgresql")));
    }

    void postgresGoneForGoodStopsResumably()
    {
        auto testDb = database(QStringLiteral("postgresql"));
        if (!testDb->isValid())
            QSKIP(qPrintable(testDb->whyNot()));
        QVERIFY(reference(QStringLiteral("postgresql")));
        DatabaseConfig admin = testDb->config();
        admin.databaseName = QStringLiteral("postgres");
        Database server;
        QVERIFY(server.open(admin).isOk());
        const QString name = testDb->config().databaseName; // made of hex digits by TestDatabase
        SyncOptions o = options(testDb->config());
        o.retry.dbReconnectAttempts = 3;
        bool gone = false;
        m_server.setLatencyMs(10);
        const RunSummary stopped = sync(o, [&](SyncRunner &, const SyncProgress &progress) {
            if (gone || progress.entity != Entity::Persons || progress.done == 0)
                return;
            gone = true;
            // The database refuses new connections and drops the engine's.
            QVERIFY(server.exec(
                QStringLiteral("ALTER DATABASE %1 WITH ALLOW_CONNECTIONS false").arg(name)));
            QSqlQuery terminate(server.handle());
            QVERIFY(terminate.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM "
                                                  "pg_stat_activity WHERE datname = '%1'")
                                       .arg(name)));
        });
        m_server.setLatencyMs(0);
        QVERIFY(gone);
        QVERIFY(
            server.exec(QStringLiteral("ALTER DATABASE %1 WITH ALLOW_CONNECTIONS true").arg(name)));
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QCOMPARE(stopped.dbError.kind, DbError::Kind::Unreachable);
        QVERIFY2(stopped.message.contains(QLatin1String("could not reconnect (3 attempts)"))
                && stopped.message.contains(QLatin1String("resumes")),
            qPrintable(stopped.message));
        QVERIFY(personsAreWholePages(testDb->config(), QStringLiteral("postgresql")));
        const RunSummary resumed = sync(options(testDb->config()));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(testDb->config(), QStringLiteral("postgresql")));
    }

    void readOnlyDatabaseFailsClearly_data() { addKinds(); }
    void readOnlyDatabaseFailsClearly()
    {
        QFETCH(QString, kind);
        QVERIFY(reference(QStringLiteral("sqlite")));
        std::unique_ptr<SmallDisk> disk;
        std::unique_ptr<TestDatabase> testDb;
        DatabaseConfig config;
        if (kind == QLatin1String("sqlite")) {
            if (::geteuid() == 0) {
                // root writes through any file mode: make the file system read-only instead.
                disk = std::make_unique<SmallDisk>(QStringLiteral("64m"));
                if (!disk->isMounted())
                    QSKIP(qPrintable(disk->whyNot()));
                config = DatabaseConfig::sqlite(disk->path(QStringLiteral("crm.sqlite3")));
            } else {
                testDb = database(kind);
                config = testDb->config();
            }
        } else {
            testDb = database(kind);
            if (!testDb->isValid())
                QSKIP(qPrintable(testDb->whyNot()));
            config = testDb->config();
        }
        // A database with some of the data: users and organizations.
        SyncOptions first = options(config);
        first.entities = { Entity::Users, Entity::Organizations };
        QVERIFY(completed(sync(first)));
        QStringList before;
        {
            Database db;
            QVERIFY(db.open(config).isOk());
            before = pds::test::dumpForComparison(db, { m_since, false });
            if (config.isPostgres()) {
                QVERIFY(
                    db.exec(QStringLiteral("ALTER DATABASE %1 SET default_transaction_read_only "
                                           "= on")
                                .arg(config.databaseName)));
            }
        }
        if (disk) {
            QVERIFY(disk->remount("size=64m", MS_RDONLY));
        } else if (config.isSqlite()) {
            const QString dir = QFileInfo(config.sqlitePath).absolutePath();
            QDirIterator files(dir, QDir::Files);
            while (files.hasNext())
                QFile::setPermissions(files.next(), QFile::ReadOwner | QFile::ReadGroup);
            QFile::setPermissions(dir, QFile::ReadOwner | QFile::ExeOwner);
        }
        const RunSummary stopped = sync(options(config));
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QVERIFY2(stopped.dbError.kind == DbError::Kind::ReadOnly, qPrintable(stopped.message));
        QVERIFY2(stopped.message.contains(QLatin1String("read-only")), qPrintable(stopped.message));
        if (disk)
            QVERIFY(disk->remount("size=64m"));
        else if (config.isSqlite())
            QFile::setPermissions(QFileInfo(config.sqlitePath).absolutePath(),
                QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        Database db;
        QVERIFY(db.open(config).isOk());
        if (config.isPostgres())
            QVERIFY(db.exec(QStringLiteral("SET default_transaction_read_only = off"))
                && db.exec(QStringLiteral("ALTER DATABASE %1 SET default_transaction_read_only = "
                                          "off")
                               .arg(config.databaseName)));
        QCOMPARE(pds::test::dumpForComparison(db, { m_since, false }), before);
    }

    void fullDiskFailsClearlyAndResumes()
    {
        QVERIFY(reference(QStringLiteral("sqlite")));
        SmallDisk disk(QStringLiteral("64m"));
        if (!disk.isMounted())
            QSKIP(qPrintable(disk.whyNot()));
        const DatabaseConfig config
            = DatabaseConfig::sqlite(disk.path(QStringLiteral("crm.sqlite3")));
        // How big the schema and the first entities are, then a disk only a little larger.
        SyncOptions first = options(config);
        first.entities = { Entity::Users, Entity::Organizations };
        QVERIFY(completed(sync(first)));
        const qint64 used = QFileInfo(config.sqlitePath).size()
            + QFileInfo(config.sqlitePath + QStringLiteral("-wal")).size();
        QVERIFY(disk.remount("size=" + QByteArray::number(used + 96 * 1024)));
        const RunSummary stopped = sync(options(config));
        QCOMPARE(stopped.outcome, SyncOutcome::Failed);
        QVERIFY2(stopped.dbError.kind == DbError::Kind::DiskFull, qPrintable(stopped.message));
        QVERIFY2(stopped.message.contains(QLatin1String("full")), qPrintable(stopped.message));
        // Room again: nothing half-written, and the next sync finishes the work.
        QVERIFY(disk.remount("size=64m"));
        {
            Database db;
            QVERIFY(db.open(config).isOk());
            QSqlQuery check(db.handle());
            QVERIFY(check.exec(QStringLiteral("PRAGMA integrity_check")) && check.next());
            QCOMPARE(check.value(0).toString(), QStringLiteral("ok"));
        }
        QVERIFY(personsAreWholePages(config, QStringLiteral("sqlite")));
        const RunSummary resumed = sync(options(config));
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        QVERIFY(equalsReference(config, QStringLiteral("sqlite")));
    }

    // ---- security -------------------------------------------------------------------------

    void tokenIsInNoLogAndNoTable()
    {
        TestDatabase testDb(TestDatabase::Kind::Sqlite);
        // The engine logs from its worker thread.
        static QMutex mutex;
        static QStringList messages;
        messages.clear();
        QLoggingCategory::setFilterRules(QStringLiteral("pds.*=true"));
        const QtMessageHandler previous = qInstallMessageHandler(
            [](QtMsgType, const QMessageLogContext &context, const QString &message) {
                const QMutexLocker locker(&mutex);
                messages << QString::fromLatin1(context.category) + QLatin1Char(' ') + message;
            });
        // Faults on the way: their error messages are logged too.
        m_server.failNextServerError(1, 500, 3);
        m_server.failNext429(1, 1, 6);
        m_server.setBadRecords(true);
        const RunSummary summary = sync(options(testDb.config()));
        m_server.setBadRecords(false);
        SyncOptions wrong = options(testDb.config());
        wrong.token = m_token + QStringLiteral("x"); // a refused token is not echoed either
        const RunSummary refused = sync(wrong);
        qInstallMessageHandler(previous);
        QLoggingCategory::setFilterRules(QStringLiteral("pds.*.debug=false\npds.*.info=false"));
        QVERIFY2(completed(summary), qPrintable(summary.message));
        QCOMPARE(refused.apiError.kind, ApiError::Kind::Authentication);
        const QMutexLocker locker(&mutex);
        QVERIFY(messages.size() > 20); // the requests were logged
        for (const QString &line : std::as_const(messages))
            QVERIFY2(!line.contains(m_token), qPrintable(line));
        QVERIFY(!summary.message.contains(m_token) && !refused.message.contains(m_token)
            && !refused.apiError.message.contains(m_token));
        // Not in any table, and not anywhere in the database's files.
        Database db;
        QVERIFY(db.open(testDb.config()).isOk());
        for (const QString &table : db.handle().tables()) {
            QSqlQuery query(db.handle());
            QVERIFY(query.exec(QStringLiteral("SELECT * FROM %1").arg(table)));
            while (query.next()) {
                for (int i = 0; i < query.record().count(); ++i)
                    QVERIFY2(!query.value(i).toString().contains(m_token), qPrintable(table));
            }
        }
        db.close();
        const QDir dir = QFileInfo(testDb.config().sqlitePath).absoluteDir();
        for (const QString &name : dir.entryList(QDir::Files)) {
            QFile file(dir.filePath(name));
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(m_token.toLatin1()), qPrintable(name));
        }
    }

    void httpsToAServerWithoutTlsFailsNeverFallsBack()
    {
        // The fake speaks plain HTTP: a TLS handshake with it must fail, and nothing may accept
        // that (no ignoreSslErrors) or fall back to plain http. A server of its own: requests a
        // previous test's refused sync had sent ahead can still reach the shared one.
        pds::test::FakePipedriveServer server;
        server.setApiToken(m_token);
        QVERIFY(server.listen() != 0);
        QNetworkAccessManager nam;
        QUrl base = server.baseUrl();
        base.setScheme(QStringLiteral("https"));
        ApiClient client(&nam, { base, m_token, 10000 });
        Pager pager(&client, endpoints::usersMe());
        pager.setRetryPolicy(RetryPolicy::none());
        QSignalSpy ready(&pager, &Pager::pageReady);
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QVERIFY(failed.wait(15000));
        QVERIFY(ready.isEmpty());
        QCOMPARE(failed.first().first().value<ApiError>().kind, ApiError::Kind::Network);
        QCOMPARE(server.requestCount(), 0); // no request reached the server's HTTP layer
    }

    void plainHttpToAnotherHostIsRefused()
    {
        QString error;
        QVERIFY(!baseUrlForCompany(QStringLiteral("http://acme.pipedrive.com"), &error).isValid());
        QVERIFY(error.contains(QLatin1String("https")));
        // Also where a base URL is given directly: the client refuses before sending anything.
        ScriptedServer server;
        QVERIFY(server.listen(QHostAddress::Any));
        server.responses = { ScriptedServer::response(200, R"({"success":true,"data":[]})") };
        QNetworkAccessManager nam;
        QUrl base;
        base.setScheme(QStringLiteral("http"));
        base.setHost(QStringLiteral("pipedrive.invalid"));
        base.setPort(server.serverPort());
        ApiClient client(&nam, { base, m_token, 10000 });
        Pager pager(&client, endpoints::usersMe());
        QSignalSpy failed(&pager, &Pager::failed);
        pager.fetchNext();
        QVERIFY(failed.wait(10000));
        const ApiError refused = failed.first().first().value<ApiError>();
        QCOMPARE(refused.kind, ApiError::Kind::Configuration);
        QVERIFY(refused.message.contains(QLatin1String("https")));
        QVERIFY(!refused.message.contains(m_token));
        QCOMPARE(server.served, 0);
    }

    void noCodeIgnoresTlsErrors()
    {
        // TLS errors are never ignored: no code path may call ignoreSslErrors or turn peer
        // verification off.
        QDirIterator files(QStringLiteral(PDS_SOURCE_DIR "/src"),
            { QStringLiteral("*.cpp"), QStringLiteral("*.h") }, QDir::Files,
            QDirIterator::Subdirectories);
        int scanned = 0;
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray text = file.readAll();
            ++scanned;
            QVERIFY2(!text.contains("ignoreSslErrors") && !text.contains("VerifyNone")
                    && !text.contains("QSslSocket::QueryPeer"),
                qPrintable(file.fileName()));
        }
        QVERIFY(scanned > 20);
    }
};

QTEST_GUILESS_MAIN(TestResilience)
#include "tst_resilience.moc"
