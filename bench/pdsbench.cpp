// pds-bench: how fast the sync is, next to the limits it cannot beat on this machine.
//
// One run: start the standalone fake server with a generated dataset, then measure
//   fetch     the fake's raw serving rate for the same pages (the client reads, nothing is written)
//   insert    raw batched inserts of the same rows into the same kind of database
//   full      a full sync into an empty database
//   nochange  an incremental sync with nothing changed
//   changed   an incremental sync after 1% of the records changed
// and for each: records per second, wall time, requests, API tokens, peak resident memory, and
// the longest stall of the main (GUI) thread's event loop while the worker thread syncs.
// Each measured phase runs in a child process of its own, so its peak memory is its own.

#include "api/apiclient.h"
#include "api/pager.h"
#include "db/database.h"
#include "db/schemamanager.h"
#include "db/walcheckpointer.h"
#include "fakedataset.h"
#include "mapping/mapping.h"
#include "sync/entity.h"
#include "sync/synccontext.h"
#include "sync/syncrunner.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <ctime>
#include <unistd.h>

using namespace pds;

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

// Peak resident memory of this process (VmHWM): unlike getrusage's ru_maxrss it starts anew at
// exec, so a phase does not inherit the orchestrator's peak.
double peakRssMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return -1;
}

// CPU seconds of this process so far, on all its threads (those that ended included): with the
// wall time, how many cores a phase kept busy.
double processCpuSeconds()
{
    timespec now {};
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) != 0)
        return 0;
    return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

// The longest gap between two ticks of a timer on this thread: how long the event loop (the GUI
// thread, in the app) could not draw, at most. Every 5 ms, as the window's StallMonitor ticks
// during a sync: at 1 ms the probe's own wake-ups took the sync threads' cores 1,000 times a
// second and made the measured full sync 2% slower (0.977 and 0.981, 8 and 12 interleaved pairs
// at 100k), a cost the app does not have. The gap counts the interval: an upper bound.
class StallProbe : public QObject
{
public:
    static constexpr int IntervalMs = 5;
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            if (m_clock.isValid())
                m_longest = std::max(m_longest, m_clock.nsecsElapsed() / 1e6);
            m_clock.start();
        });
        m_timer.start(IntervalMs);
    }
    double longestMs() const { return m_longest; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_longest = 0;
};

// A task's name and CPU seconds (utime + stime) from its /proc stat file; nullopt if gone.
std::optional<std::pair<QString, double>> statCpu(const QString &path)
{
    static const double tick = double(sysconf(_SC_CLK_TCK));
    QFile stat(path);
    if (!stat.open(QIODevice::ReadOnly))
        return std::nullopt; // ended meanwhile
    // "tid (name) state ...": the name may hold spaces and parentheses.
    const QByteArray line = stat.readAll();
    const qsizetype open = line.indexOf('('), close = line.lastIndexOf(')');
    if (open < 0 || close < open)
        return std::nullopt;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    if (fields.size() < 13)
        return std::nullopt;
    // Fields 14 and 15 of stat(5), utime and stime; this list starts at field 3.
    return std::pair { QString::fromUtf8(line.mid(open + 1, close - open - 1)),
        (fields.at(11).toDouble() + fields.at(12).toDouble()) / tick };
}

// A task's time spent runnable but waiting for a core (the second field of its /proc schedstat
// file, in nanoseconds); nullopt if the task is gone or the kernel keeps no scheduler statistics.
std::optional<double> runQueueWait(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QList<QByteArray> fields = file.readAll().trimmed().split(' ');
    if (fields.size() < 2)
        return std::nullopt;
    return fields.at(1).toDouble() / 1e9;
}

// Each thread's times, by name (pds-sync, pds-stage, pds-network, ...).
struct ThreadTimes
{
    QJsonObject cpu; // CPU seconds
    QJsonObject wait; // seconds runnable but waiting for a core
};

// CPU time of this process's threads by name, and their time waiting for a core, from
// /proc/self/task: which thread bounds the sync, and whether it had a core when it could run.
// Threads end before the run reports, so the tasks are read every 50 ms and each keeps its last
// reading (at most 50 ms of one is missed). Thread CPU time leaves out what a shared host steals,
// which makes wall times wander.
class ThreadClock : public QObject
{
public:
    ThreadClock()
    {
        connect(&m_timer, &QTimer::timeout, this, &ThreadClock::sample);
        m_timer.start(50);
    }
    void sample()
    {
        const QDir tasks(QStringLiteral("/proc/self/task"));
        for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const auto cpu = statCpu(tasks.filePath(tid + QStringLiteral("/stat")));
            if (!cpu)
                continue;
            Reading &reading = m_threads[tid.toLongLong()];
            reading.name = cpu->first;
            reading.cpu = cpu->second;
            // A thread that ended between the two reads keeps its last wait (it was read as 0,
            // and the sync thread's whole run-queue wait printed as 0.00 s).
            if (const auto wait = runQueueWait(tasks.filePath(tid + QStringLiteral("/schedstat"))))
                reading.wait = *wait;
        }
    }
    ThreadTimes byName()
    {
        sample();
        ThreadTimes result;
        for (const Reading &thread : std::as_const(m_threads)) {
            result.cpu[thread.name] = result.cpu.value(thread.name).toDouble() + thread.cpu;
            result.wait[thread.name] = result.wait.value(thread.name).toDouble() + thread.wait;
        }
        return result;
    }
    // Each thread's times since the last call, by name (the first call: since it started).
    ThreadTimes sinceLast()
    {
        const ThreadTimes now = byName();
        const auto delta = [](const QJsonObject &current, const QJsonObject &last) {
            QJsonObject result;
            for (auto it = current.constBegin(); it != current.constEnd(); ++it)
                result[it.key()]
                    = qRound((it.value().toDouble() - last.value(it.key()).toDouble()) * 1000)
                    / 1000.0;
            return result;
        };
        const ThreadTimes result { delta(now.cpu, m_last.cpu), delta(now.wait, m_last.wait) };
        m_last = now;
        return result;
    }

private:
    struct Reading
    {
        QString name;
        double cpu = 0;
        double wait = 0;
    };
    QTimer m_timer;
    QHash<qint64, Reading> m_threads;
    ThreadTimes m_last;
};

struct Phase
{
    QJsonObject result;
};

// The requests a full sync makes, one after the other: its lookups, then every page of data, as
// each entity's handler asks for it (persons with their deal counts, say: what the fake server
// serves then is not the plain list).
struct Request
{
    Endpoint endpoint;
    QUrlQuery query;
    // A lookup, or a list of deleted records: the sync makes the request, but imports none of
    // its records (it does not count them as fetched either).
    bool imports = true;
};

QList<Request> syncRequests()
{
    QList<Request> requests;
    for (const Endpoint &lookup :
        { endpoints::usersMe(), endpoints::pipelines(), endpoints::stages(),
            endpoints::dealFields(), endpoints::activityTypes(), endpoints::activityFields() })
        requests.append({ lookup, {}, false });
    Database unopened;
    const SyncOptions options;
    const SyncContext context(unopened, options);
    for (Entity entity : allEntities()) {
        for (const EntityHandler::Source &source : EntityHandler::create(entity)->sources(context))
            requests.append({ source.endpoint, source.query, !source.deletions });
    }
    return requests;
}

// ---- phases (each in its own process) ----------------------------------------------------------

int phaseFetch(const QUrl &url, const QString &token, int pageSize)
{
    QNetworkAccessManager nam;
    ApiClient client(&nam, { url, token, 120000 });
    qint64 records = 0;
    QElapsedTimer clock;
    clock.start();
    QList<Request> queue = syncRequests();
    Pager *pager = nullptr;
    qint64 pacedMs = 0; // held back for the burst limit the answers reported: not serving time
    QString failure;
    std::function<void()> next = [&] {
        if (queue.isEmpty())
            return QCoreApplication::quit();
        const Request request = queue.takeFirst();
        const bool imports = request.imports;
        pager = new Pager(&client, request.endpoint, request.query, pageSize);
        QObject::connect(pager, &Pager::pageReady, [&, imports](const ApiPage &page) {
            if (imports)
                records += page.items.size();
            if (!page.last)
                return pager->fetchNext();
            pacedMs += pager->pacedMs();
            pager->deleteLater();
            next();
        });
        QObject::connect(pager, &Pager::failed, [&](const ApiError &error) {
            failure = error.toString();
            QCoreApplication::quit();
        });
        pager->fetchNext();
    };
    QTimer::singleShot(0, next);
    QCoreApplication::exec();
    const double seconds = clock.nsecsElapsed() / 1e9;
    QJsonObject result { { QStringLiteral("records"), double(records) },
        { QStringLiteral("seconds"), seconds },
        { QStringLiteral("requests"), client.requestCount() },
        { QStringLiteral("tokens"), double(client.tokensSpent()) },
        { QStringLiteral("paced_ms"), double(pacedMs) }, { QStringLiteral("peak_mb"), peakRssMb() },
        { QStringLiteral("error"), failure } };
    out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << Qt::endl;
    return failure.isEmpty() ? 0 : 1;
}

int phaseSync(const QUrl &url, const QString &token, const DatabaseConfig &database, int pageSize,
    bool full, bool stageAhead)
{
    SyncOptions options;
    options.baseUrl = url;
    options.token = token;
    options.database = database;
    options.pageSize = pageSize;
    options.full = full;
    options.stageAhead = stageAhead;
    options.bcryptCost = qEnvironmentVariableIntValue("PDS_BCRYPT_COST") >= 4
        ? qEnvironmentVariableIntValue("PDS_BCRYPT_COST")
        : 12;
    SyncRunner runner;
    StallProbe probe;
    ThreadClock threads;
    // Each entity's pass: its wall time and its threads' CPU, which tell the thread it waited for.
    QJsonArray passes;
    QElapsedTimer passClock;
    QObject::connect(&runner, &SyncRunner::started, [&] {
        threads.sinceLast();
        passClock.start();
    });
    QObject::connect(&runner, &SyncRunner::entityFinished, [&](const EntityResult &r) {
        const ThreadTimes times = threads.sinceLast();
        passes.append(QJsonObject { { QStringLiteral("entity"), entityName(r.entity) },
            { QStringLiteral("seconds"), passClock.nsecsElapsed() / 1e9 },
            { QStringLiteral("thread_cpu"), times.cpu },
            { QStringLiteral("thread_wait"), times.wait },
            { QStringLiteral("peak_mb"), peakRssMb() } });
        passClock.start();
    });
    RunSummary summary;
    QObject::connect(&runner, &SyncRunner::finished, [&](const RunSummary &s) {
        summary = s;
        QCoreApplication::quit();
    });
    QElapsedTimer clock;
    clock.start();
    const double cpuBefore = processCpuSeconds();
    runner.start(options);
    QCoreApplication::exec();
    const double seconds = clock.nsecsElapsed() / 1e9;
    const double cpuSeconds = processCpuSeconds() - cpuBefore;
    const ThreadTimes times = threads.byName();
    const RunCounts totals = summary.totals();
    QJsonObject result { { QStringLiteral("records"), double(totals.fetched) },
        { QStringLiteral("seconds"), seconds }, { QStringLiteral("cpu_seconds"), cpuSeconds },
        { QStringLiteral("requests"), double(summary.requests) },
        { QStringLiteral("tokens"), double(summary.tokens) },
        { QStringLiteral("peak_mb"), peakRssMb() },
        { QStringLiteral("stall_ms"), probe.longestMs() },
        { QStringLiteral("created"), double(totals.created) },
        { QStringLiteral("updated"), double(totals.updated) },
        { QStringLiteral("staged_ahead"), double(summary.pagesStagedAhead) },
        { QStringLiteral("pages"), double(summary.pagesWritten) },
        { QStringLiteral("transactions"), double(summary.pageTransactions) },
        { QStringLiteral("mapped_here"), double(summary.pagesMappedHere) },
        { QStringLiteral("prefetched"), double(summary.sourcesPrefetched) },
        { QStringLiteral("answer_wait_ms"), double(summary.answerWaitMs) },
        { QStringLiteral("staging_wait_ms"), double(summary.stagingWaitMs) },
        { QStringLiteral("thread_cpu"), times.cpu }, { QStringLiteral("thread_wait"), times.wait },
        { QStringLiteral("passes"), passes },
        { QStringLiteral("outcome"), outcomeName(summary.outcome) },
        { QStringLiteral("error"), summary.message } };
    out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << Qt::endl;
    return summary.outcome == SyncOutcome::Failed || summary.outcome == SyncOutcome::Cancelled ? 1
                                                                                               : 0;
}

// A value as the raw inserts bind it: times as the CRM's text (PostgreSQL reads them as
// QDateTime), everything else as read.
QVariant rawValue(const QVariant &value)
{
    if (value.metaType().id() == QMetaType::QDateTime)
        return Database::formatTimestamp(value.toDateTime());
    if (value.metaType().id() == QMetaType::QDate)
        return value.toDate().toString(Qt::ISODate);
    return value;
}

QVariantList rawRow(const QVariantList &row)
{
    QVariantList values;
    values.reserve(row.size());
    for (const QVariant &value : row)
        values << rawValue(value);
    return values;
}

// Multi-row INSERTs of rows that all have these columns, through the fastest path the database
// has here: SQLite's own prepared statements, at most 999 values each in a handful of row counts
// (Database::statementRows()), so that each statement text is prepared once, as the sync's own
// writes are. Fastest of the ways tried (callgrind, the rows of a 20k sync): one statement per
// 500 rows, prepared anew whenever the count differed, 644 M instructions; 999 values 521 M;
// 250 values 520 M; 4,000 values 568 M; one row per statement 945 M.
bool insertRawRows(Database &db, const QString &table, const QStringList &columns,
    const QList<QVariantList> &rows, DbError *error)
{
    const QString one = QStringLiteral("(")
        + QStringList(columns.size(), QStringLiteral("?")).join(QLatin1Char(','))
        + QLatin1Char(')');
    const qsizetype most = qMax<qsizetype>(1, 999 / columns.size());
    qsizetype count = 0;
    for (qsizetype start = 0; start < rows.size(); start += count) {
        count = Database::statementRows(rows.size() - start, most);
        QVariantList values;
        values.reserve(count * columns.size());
        for (qsizetype i = start; i < start + count; ++i)
            values += rows.at(i);
        if (!db.execWrite(QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
                              .arg(table, columns.join(QLatin1Char(',')),
                                  QStringList(count, one).join(QLatin1Char(','))),
                values, error))
            return false;
    }
    return true;
}

// The database's own limit for this very sync: the rows the full sync left in the CRM, read from
// its database beforehand (not timed) and inserted into a new one as the sync's pages write
// them: each record table's rows as many pages of 500 a transaction as the sync puts in one, with
// their pipedrive_mappings rows (a merged record's too) and a note's note_associations rows,
// through insertRawRows(), with nothing else to do; SQLite's log checkpointed on another thread,
// as the sync's. The sync's own bookkeeping (runs, problems, its undo
// journal) is not part of it: that is work the sync does beyond the limit. The users, which the
// others point at, are copied first and not timed. "records" counts the mappings inserted: the
// Pipedrive records whose rows these are.
int phaseCopy(const DatabaseConfig &source, const DatabaseConfig &target)
{
    Database from;
    Database db;
    DbError error = from.open(source);
    if (error.isOk())
        error = db.open(target);
    SchemaManager schema;
    if (error.isOk())
        error = schema.ensureSchema(db);
    const QStringList mappingColumns { QStringLiteral("pipedrive_type"),
        QStringLiteral("pipedrive_id"), QStringLiteral("rails_id"), QStringLiteral("created_at"),
        QStringLiteral("updated_at") };
    const QStringList associationColumns { QStringLiteral("note_id"),
        QStringLiteral("notable_type"), QStringLiteral("notable_id"), QStringLiteral("created_at"),
        QStringLiteral("updated_at") };
    struct Table
    {
        QString name;
        QString mappingType;
        QStringList columns;
        QList<QVariantList> rows; // by id, as the sync inserted them
        QHash<qint64, QList<QVariantList>> mappings; // by rails_id
    };
    // In the order of the sync's passes, so that every row finds what it points at.
    QList<Table> tables { { QStringLiteral("users"), QStringLiteral("User"), {}, {}, {} },
        { QStringLiteral("accounts"), QStringLiteral("Organization"), {}, {}, {} },
        { QStringLiteral("contacts"), QStringLiteral("Contact"), {}, {}, {} },
        { QStringLiteral("leads"), QStringLiteral("Lead"), {}, {}, {} },
        { QStringLiteral("opportunities"), QStringLiteral("Opportunity"), {}, {}, {} },
        { QStringLiteral("tasks"), QStringLiteral("Task"), {}, {}, {} },
        { QStringLiteral("notes"), QStringLiteral("Note"), {}, {}, {} } };
    QHash<qint64, QList<QVariantList>> associations; // by note_id
    qint64 mappingsRead = 0;
    for (Table &table : tables) {
        if (error.isError())
            break;
        table.columns = SchemaManager::columns(from, table.name, &error);
        if (error.isError())
            break;
        from.forEachRow(
            QStringLiteral("SELECT %1 FROM %2 ORDER BY id")
                .arg(table.columns.join(QLatin1Char(',')), table.name),
            {}, [&](const QVariantList &row) { table.rows << rawRow(row); }, &error);
        from.forEachRow(
            QStringLiteral("SELECT %1 FROM pipedrive_mappings WHERE pipedrive_type = "
                           "? ORDER BY id")
                .arg(mappingColumns.join(QLatin1Char(','))),
            { table.mappingType },
            [&](const QVariantList &row) {
                table.mappings[row.at(2).toLongLong()] << rawRow(row);
                ++mappingsRead;
            },
            &error);
    }
    if (error.isOk())
        from.forEachRow(
            QStringLiteral("SELECT %1 FROM note_associations ORDER BY id")
                .arg(associationColumns.join(QLatin1Char(','))),
            {},
            [&](const QVariantList &row) { associations[row.at(0).toLongLong()] << rawRow(row); },
            &error);
    from.close();

    // The users first, not timed.
    qint64 records = 0;
    if (error.isOk()) {
        const Table &users = tables.takeFirst();
        QList<QVariantList> mappings;
        for (const QList<QVariantList> &some : users.mappings)
            mappings += some;
        if (insertRawRows(db, users.name, users.columns, users.rows, &error))
            insertRawRows(
                db, QStringLiteral("pipedrive_mappings"), mappingColumns, mappings, &error);
        mappingsRead -= mappings.size();
    }
    // The transactions as the sync writes them: pages of 500 records, up to
    // SyncOptions::maxPagesPerTransaction of them back to back in one (here always as many),
    // put together before the clock starts.
    const qsizetype perTransaction = 500 * qsizetype(SyncOptions().maxPagesPerTransaction);
    struct Batch
    {
        const Table *table;
        QList<QVariantList> rows;
        QList<QVariantList> mappings;
        QList<QVariantList> notables;
    };
    QList<Batch> batches;
    for (const Table &table : std::as_const(tables)) {
        const qsizetype idColumn = table.columns.indexOf(QLatin1String("id"));
        for (qsizetype start = 0; start < table.rows.size(); start += perTransaction) {
            Batch batch { &table, table.rows.mid(start, perTransaction), {}, {} };
            for (const QVariantList &row : std::as_const(batch.rows)) {
                const qint64 id = row.at(idColumn).toLongLong();
                batch.mappings += table.mappings.value(id);
                if (table.name == QLatin1String("notes"))
                    batch.notables += associations.value(id);
            }
            records += batch.mappings.size();
            batches.append(std::move(batch));
        }
    }
    // SQLite's write-ahead log checkpointed on a thread of its own, as the sync's is: in the
    // inserting thread it made this limit 18% slower at 100k (0.443 s against 0.364 s).
    std::unique_ptr<WalCheckpointer> checkpointer;
    if (error.isOk() && target.isSqlite()) {
        checkpointer = std::make_unique<WalCheckpointer>(target);
        checkpointer->watch(db);
    }
    QElapsedTimer clock;
    clock.start();
    const double cpuBefore = processCpuSeconds();
    for (const Batch &batch : std::as_const(batches)) {
        if (error.isError())
            break;
        error = db.beginTransaction();
        if (error.isOk()
            && insertRawRows(db, batch.table->name, batch.table->columns, batch.rows, &error)
            && insertRawRows(
                db, QStringLiteral("pipedrive_mappings"), mappingColumns, batch.mappings, &error)
            && insertRawRows(db, QStringLiteral("note_associations"), associationColumns,
                batch.notables, &error))
            error = db.commit();
    }
    // Stopped with every row in the database file and the database closed, as the sync is (its
    // clock runs until SyncRunner::finished(), which comes once the engine has closed its
    // connection): the last checkpoint and the log's removal, 18-20 ms at 100k, were outside
    // this clock until the twenty-fourth session.
    if (checkpointer)
        checkpointer->catchUp();
    checkpointer.reset();
    db.close();
    const double seconds = clock.nsecsElapsed() / 1e9;
    const double cpuSeconds = processCpuSeconds() - cpuBefore;
    // Every mapping belongs to a row that was copied: else the limit wrote less than the sync.
    if (error.isOk() && records != mappingsRead)
        error = DbError::make(DbError::Kind::Other,
            QStringLiteral("%1 of %2 mappings point at no row")
                .arg(mappingsRead - records)
                .arg(mappingsRead));
    QJsonObject result { { QStringLiteral("records"), double(records) },
        { QStringLiteral("seconds"), seconds }, { QStringLiteral("cpu_seconds"), cpuSeconds },
        { QStringLiteral("peak_mb"), peakRssMb() },
        { QStringLiteral("error"), error.isError() ? error.toString() : QString() } };
    out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << Qt::endl;
    return error.isError() ? 1 : 0;
}

// The limit as this bench measured it until the seventh session, for comparison: rows mapped
// from the generated records without their links (no linked names in descriptions, every person
// a contact, one association per note), each record's row and its pipedrive_mappings row, a
// note_associations row per note, in batches of 500 records per transaction through prepared
// multi-row INSERTs.
int phaseInsert(const DatabaseConfig &database, quint32 seed, const pds::test::DatasetSizes &sizes)
{
    using FE = pds::test::Entity;
    const pds::test::FakeDataset data = pds::test::FakeDataset::generate(seed, sizes);
    struct Batch
    {
        QString table;
        QString mappingType;
        QList<QVariantMap> rows;
        QList<qint64> pipedriveIds;
    };
    QList<Batch> batches;
    mapping::MappingOptions options;
    auto add = [&](const QString &table, const QString &type, const QJsonObject &record,
                   const QVariantMap &row) {
        if (batches.isEmpty() || batches.last().table != table || batches.last().rows.size() == 500)
            batches.append({ table, type, {}, {} });
        batches.last().rows.append(row);
        batches.last().pipedriveIds.append(qint64(record.value(QLatin1String("id")).toDouble()));
    };
    int n = 0;
    for (const QJsonObject &org : data.records(FE::Organizations)) {
        auto mapped = mapping::mapOrganization(org, { QStringLiteral("o@x.test") }, options);
        if (mapped.row) {
            mapped.row->name += QString::number(++n); // unique, as the CRM needs
            add(QStringLiteral("accounts"), QStringLiteral("Organization"), org,
                mapping::toColumns(*mapped.row));
        }
    }
    for (const QJsonObject &person : data.records(FE::Persons)) {
        mapping::PersonLinks links;
        links.hasDeals = true;
        auto mapped = mapping::mapPerson(person, links, options);
        if (mapped.row) {
            auto contact = std::get<mapping::ContactRow>(*mapped.row);
            contact.email = QString::number(++n) + contact.email;
            add(QStringLiteral("contacts"), QStringLiteral("Contact"), person,
                mapping::toColumns(contact));
        }
    }
    for (const QJsonObject &deal : data.records(FE::Deals)) {
        mapping::DealLinks links;
        links.ownerEmail = QStringLiteral("o@x.test");
        auto mapped = mapping::mapDeal(deal, links, options);
        if (mapped.row)
            add(QStringLiteral("opportunities"), QStringLiteral("Opportunity"), deal,
                mapping::toColumns(*mapped.row));
    }
    for (const QJsonObject &note : data.records(FE::Notes)) {
        auto mapped = mapping::mapNote(note, {}, options);
        if (mapped.row)
            add(QStringLiteral("notes"), QStringLiteral("Note"), note,
                mapping::toColumns(*mapped.row));
    }
    Database db;
    DbError error = db.open(database);
    SchemaManager schema;
    if (error.isOk())
        error = schema.ensureSchema(db);
    // Tasks need a user to point at.
    const qint64 userId = error.isOk()
        ? db.insertReturningId(QStringLiteral("users"),
            { QStringLiteral("email"), QStringLiteral("created_at"), QStringLiteral("updated_at") },
            { QStringLiteral("bench@x.test"), QStringLiteral("2024-01-01 00:00:00"),
                QStringLiteral("2024-01-01 00:00:00") },
            &error)
        : -1;
    for (const QJsonObject &activity : data.records(FE::Activities)) {
        mapping::ActivityLinks links;
        links.assigneeUserId = userId;
        auto mapped = mapping::mapActivity(activity, links, options);
        if (mapped.row)
            add(QStringLiteral("tasks"), QStringLiteral("Task"), activity,
                mapping::toColumns(*mapped.row));
    }

    // One multi-row INSERT of these rows (all with the same columns), through the fastest path
    // the database has here (SQLite's own prepared statements, as the sync's writes).
    auto insertRows = [&](const QString &table, const QList<QVariantMap> &rows) {
        const QStringList columns = rows.first().keys();
        const QString one = QStringLiteral("(")
            + QStringList(columns.size(), QStringLiteral("?")).join(QLatin1Char(','))
            + QLatin1Char(')');
        QVariantList values;
        values.reserve(rows.size() * columns.size());
        for (const QVariantMap &row : rows) {
            for (const QString &column : columns)
                values << rawValue(row.value(column));
        }
        return db.execWrite(QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
                                .arg(table, columns.join(QLatin1Char(',')),
                                    QStringList(rows.size(), one).join(QLatin1Char(','))),
            values, &error);
    };
    const QString now = Database::formatTimestamp(QDateTime::currentDateTimeUtc());
    QHash<QString, qint64> lastId; // the tables are new: their ids count up from 1
    qint64 rows = 0;
    QElapsedTimer clock;
    clock.start();
    for (const Batch &batch : std::as_const(batches)) {
        if (error.isError())
            break;
        error = db.beginTransaction();
        if (error.isError() || !insertRows(batch.table, batch.rows))
            break;
        QList<QVariantMap> mappings;
        QList<QVariantMap> associations;
        qint64 &id = lastId[batch.table];
        for (qint64 pipedriveId : batch.pipedriveIds) {
            ++id;
            mappings.append({ { QStringLiteral("pipedrive_type"), batch.mappingType },
                { QStringLiteral("pipedrive_id"), pipedriveId }, { QStringLiteral("rails_id"), id },
                { QStringLiteral("created_at"), now }, { QStringLiteral("updated_at"), now } });
            if (batch.table == QLatin1String("notes"))
                associations.append({ { QStringLiteral("note_id"), id },
                    { QStringLiteral("notable_type"), QStringLiteral("Account") },
                    { QStringLiteral("notable_id"), 1 }, { QStringLiteral("created_at"), now },
                    { QStringLiteral("updated_at"), now } });
        }
        if (!insertRows(QStringLiteral("pipedrive_mappings"), mappings)
            || (!associations.isEmpty()
                && !insertRows(QStringLiteral("note_associations"), associations)))
            break;
        error = db.commit();
        rows += batch.rows.size();
    }
    const double seconds = clock.nsecsElapsed() / 1e9;
    QJsonObject result { { QStringLiteral("records"), double(rows) },
        { QStringLiteral("seconds"), seconds }, { QStringLiteral("peak_mb"), peakRssMb() },
        { QStringLiteral("error"), error.isError() ? error.toString() : QString() } };
    out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << Qt::endl;
    return error.isError() ? 1 : 0;
}

// ---- the orchestrator --------------------------------------------------------------------------

class Bench
{
public:
    QString self;
    QString fakeBinary;
    QString token = QUuid::createUuid().toString(QUuid::Id128);
    int records = 10000;
    int pageSize = 500;
    quint32 seed = 1;
    QString databaseKind = QStringLiteral("sqlite");
    QString pgUrl; // postgresql://user@host:port
    int latencyMs = 100;
    int latencyRecords = 5000;
    bool withLatency = true;
    bool stageAhead = true;
    int rounds = 1;

    QProcess fake;
    QUrl url;

    bool startFake(int latency)
    {
        fake.kill();
        fake.waitForFinished();
        // A burst limit no phase comes near. With its limiter off the fake still reports
        // Pipedrive's headers, with a nominal 1,000 requests per 2 s, and the client keeps under
        // what they say: a 500k fetch, 1,009 requests in under a second, waited out the window
        // (~2 s), which the serving limit then counted as serving.
        QStringList args { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--seed"),
            QString::number(seed), QStringLiteral("--records"),
            QString::number(latency > 0 ? latencyRecords : records), QStringLiteral("--token"),
            token, QStringLiteral("--burst-limit"), QStringLiteral("1000000") };
        if (latency > 0)
            args << QStringLiteral("--latency") << QString::number(latency);
        fake.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        fake.start(fakeBinary, args);
        if (!fake.waitForStarted() || !fake.waitForReadyRead(600000))
            return false;
        const QString line = QString::fromUtf8(fake.readLine()).trimmed();
        const auto match = QRegularExpression(QStringLiteral("listening (\\S+)")).match(line);
        if (!match.hasMatch())
            return false;
        url = QUrl(match.captured(1));
        return true;
    }

    // The fake server's CPU seconds so far.
    double fakeCpu() const
    {
        const auto cpu = statCpu(QStringLiteral("/proc/%1/stat").arg(fake.processId()));
        return cpu ? cpu->second : 0;
    }

    QJsonObject child(const QStringList &args)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(self, args);
        process.waitForFinished(-1);
        const QList<QByteArray> lines = process.readAllStandardOutput().trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last()).object();
    }

    QString newDatabase(QTemporaryDir &dir, const QString &name)
    {
        if (databaseKind == QLatin1String("sqlite"))
            return QStringLiteral("sqlite:") + dir.filePath(name + QStringLiteral(".sqlite3"));
        const QString db = QStringLiteral("pds_bench_") + name;
        QProcess::execute(QStringLiteral("psql"),
            { pgUrl + QStringLiteral("/postgres"), QStringLiteral("-q"), QStringLiteral("-c"),
                QStringLiteral("DROP DATABASE IF EXISTS ") + db, QStringLiteral("-c"),
                QStringLiteral("CREATE DATABASE ") + db });
        return pgUrl + QLatin1Char('/') + db;
    }

    // 1% of the records of each changing entity, touched through the fake's test API.
    int touchOnePercent()
    {
        using FE = pds::test::Entity;
        const pds::test::FakeDataset data
            = pds::test::FakeDataset::generate(seed, pds::test::DatasetSizes::fromTotal(records));
        QNetworkAccessManager nam;
        int touched = 0;
        int pending = 0;
        for (FE entity : { FE::Organizations, FE::Persons, FE::Deals, FE::Activities, FE::Notes }) {
            const QList<qint64> ids = data.ids(entity);
            for (qsizetype i = 0; i < ids.size(); i += 100) {
                QUrl target = url;
                target.setPath(QStringLiteral("/__test/records/%1/%2")
                                   .arg(pds::test::entityName(entity))
                                   .arg(ids.at(i)));
                QNetworkRequest request(target);
                request.setHeader(
                    QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
                QNetworkReply *reply
                    = nam.sendCustomRequest(request, "PATCH", R"({"bench_touched": true})");
                ++pending;
                QObject::connect(reply, &QNetworkReply::finished, [&, reply] {
                    if (reply->error() == QNetworkReply::NoError)
                        ++touched;
                    reply->deleteLater();
                    if (--pending == 0)
                        QCoreApplication::quit();
                });
            }
        }
        if (pending > 0)
            QCoreApplication::exec();
        return touched;
    }

    static QString row(const QString &name, const QJsonObject &r, double limit = 0)
    {
        const double rate = r.value(QLatin1String("seconds")).toDouble() > 0
            ? r.value(QLatin1String("records")).toDouble()
                / r.value(QLatin1String("seconds")).toDouble()
            : 0;
        QString text = QStringLiteral("%1 %2 rec %3 rec/s %4 s %5 req %6 tokens %7 MB")
                           .arg(name, -26)
                           .arg(qint64(r.value(QLatin1String("records")).toDouble()), 8)
                           .arg(rate, 10, 'f', 0)
                           .arg(r.value(QLatin1String("seconds")).toDouble(), 8, 'f', 2)
                           .arg(qint64(r.value(QLatin1String("requests")).toDouble()), 6)
                           .arg(qint64(r.value(QLatin1String("tokens")).toDouble()), 7)
                           .arg(r.value(QLatin1String("peak_mb")).toDouble(), 7, 'f', 1);
        if (r.contains(QLatin1String("stall_ms")))
            text += QStringLiteral("  stall %1 ms")
                        .arg(r.value(QLatin1String("stall_ms")).toDouble(), 0, 'f', 1);
        if (limit > 0)
            text += QStringLiteral("  = %1% of the limit").arg(100.0 * rate / limit, 0, 'f', 0);
        const QString error = r.value(QLatin1String("error")).toString();
        if (!error.isEmpty())
            text += QStringLiteral("  ERROR: ") + error;
        return text;
    }

    // "sync thread 6.13 s, stage worker 3.63 s, ...": CPU seconds of the run's threads, the
    // largest first: with as many busy threads as cores, the largest bounds the wall time.
    static QString threadLine(const QJsonObject &r)
    {
        const QJsonObject cpu = r.value(QLatin1String("thread_cpu")).toObject();
        const QList<std::pair<QString, QString>> named {
            { QStringLiteral("pds-sync"), QStringLiteral("sync thread") },
            { QStringLiteral("pds-stage"), QStringLiteral("stage worker") },
            { QStringLiteral("pds-network"), QStringLiteral("network thread") },
            { QStringLiteral("pds-checkpoint"), QStringLiteral("checkpoint thread") },
            { QStringLiteral("pds-hash"), QStringLiteral("password hashing") },
        };
        QList<std::pair<double, QString>> parts;
        double other = 0;
        for (auto it = cpu.constBegin(); it != cpu.constEnd(); ++it) {
            const auto known = std::find_if(
                named.cbegin(), named.cend(), [&](const auto &n) { return n.first == it.key(); });
            if (known == named.cend())
                other += it.value().toDouble();
            else
                parts.append({ it.value().toDouble(), known->second });
        }
        std::sort(parts.begin(), parts.end(), std::greater<>());
        parts.append({ other, QStringLiteral("the rest") });
        QStringList text;
        for (const auto &[seconds, name] : std::as_const(parts))
            text << QStringLiteral("%1 %2 s").arg(name).arg(seconds, 0, 'f', 2);
        return text.join(QStringLiteral(", "));
    }

    static double seconds(const QJsonObject &r)
    {
        return r.value(QLatin1String("seconds")).toDouble();
    }

    // CPU seconds a phase took on all its threads; for the full sync, the fake server's too (it
    // serves the sync on the same cores).
    static double cpuSeconds(const QJsonObject &r)
    {
        return r.value(QLatin1String("cpu_seconds")).toDouble()
            + r.value(QLatin1String("fake_cpu")).toDouble();
    }

    static double rate(const QJsonObject &r)
    {
        const double time = seconds(r);
        return time > 0 ? r.value(QLatin1String("records")).toDouble() / time : 0;
    }

    int run()
    {
        QTemporaryDir dir;
        out() << QStringLiteral("pds-bench: %1 records (seed %2), %3, pages of %4")
                     .arg(records)
                     .arg(seed)
                     .arg(databaseKind)
                     .arg(pageSize)
              << Qt::endl;
        if (!startFake(0)) {
            out() << "could not start the fake server" << Qt::endl;
            return 2;
        }
        QStringList common { QStringLiteral("--url"), url.toString(), QStringLiteral("--token"),
            token, QStringLiteral("--page-size"), QString::number(pageSize) };
        if (!stageAhead)
            common << QStringLiteral("--no-stage-ahead");
        bool failed = false;
        auto check = [&failed](const QJsonObject &r) {
            if (!r.value(QLatin1String("error")).toString().isEmpty() || r.isEmpty())
                failed = true;
            return r;
        };
        // The limits and the full sync, round after round on a machine whose speed wanders (a
        // shared host): each keeps its fastest round, and each round's own ratio is printed too.
        QJsonObject fetch;
        QJsonObject copy; // the sync's own rows: the database's limit
        QJsonObject insert; // rows mapped without links: the limit as measured before
        QJsonObject full;
        QString db;
        QList<double> ratios;
        auto faster = [](const QJsonObject &best, const QJsonObject &r) {
            return best.isEmpty() || rate(r) > rate(best) ? r : best;
        };
        // Both limits and the sync do the same work (the same pages; the same rows in the
        // end): the sync's share is the slower limit's time over the sync's.
        auto share = [](const QJsonObject &f, const QJsonObject &c, const QJsonObject &s) {
            return std::max(seconds(f), seconds(c)) / std::max(1e-9, seconds(s));
        };
        // The fake server serialises a record's JSON the first time each shape of it is asked for
        // (persons with their deal counts): one fetch first, not timed, so that neither the first
        // round's limit nor its sync pays for it (a cold 500k sync waited 2 s more for it).
        check(child(QStringList { QStringLiteral("phase-fetch") } + common));
        for (int round = 1; round <= rounds; ++round) {
            const QJsonObject f
                = check(child(QStringList { QStringLiteral("phase-fetch") } + common));
            db = newDatabase(dir, QStringLiteral("sync%1").arg(round));
            // The fake shares the two cores with the sync: what it took is said beside the
            // sync's threads.
            const double fakeBefore = fakeCpu();
            QJsonObject s
                = check(child(QStringList { QStringLiteral("phase-sync"),
                                  QStringLiteral("--database"), db, QStringLiteral("--full") }
                    + common));
            s.insert(QLatin1String("fake_cpu"), fakeCpu() - fakeBefore);
            const QJsonObject c = check(child(QStringList { QStringLiteral("phase-copy"),
                QStringLiteral("--from"), db, QStringLiteral("--database"),
                newDatabase(dir, QStringLiteral("copy%1").arg(round)) }));
            const QJsonObject i = check(child(QStringList { QStringLiteral("phase-insert"),
                QStringLiteral("--seed"), QString::number(seed), QStringLiteral("--records"),
                QString::number(records), QStringLiteral("--database"),
                newDatabase(dir, QStringLiteral("raw%1").arg(round)) }));
            ratios << share(f, c, s);
            if (rounds > 1)
                out() << QStringLiteral("round %1: fake %2 s, inserts %3 s (%6 s of CPU), full "
                                        "sync %4 s (%7 s of CPU) = %5% of the slower's speed")
                             .arg(round)
                             .arg(seconds(f), 0, 'f', 2)
                             .arg(seconds(c), 0, 'f', 2)
                             .arg(seconds(s), 0, 'f', 2)
                             .arg(100 * ratios.last(), 0, 'f', 0)
                             .arg(cpuSeconds(c), 0, 'f', 2)
                             .arg(cpuSeconds(s), 0, 'f', 2)
                      << Qt::endl;
            fetch = faster(fetch, f);
            copy = faster(copy, c);
            insert = faster(insert, i);
            full = faster(full, s);
        }
        // As a rate of the sync's records: the one row() compares the sync's rate with.
        const double limit = full.value(QLatin1String("records")).toDouble()
            / std::max(seconds(fetch), seconds(copy));
        const QStringList sync
            = QStringList { QStringLiteral("phase-sync"), QStringLiteral("--database"), db }
            + common;
        const QJsonObject nochange = check(child(sync));
        const int touched = touchOnePercent();
        const QJsonObject changed = check(child(sync));

        // Correctness, for the smoke run in CI: the sync read what the server serves, a second sync
        // wrote nothing, and the touched records came back as updates.
        auto expect = [&failed](bool ok, const char *what) {
            if (!ok) {
                failed = true;
                out() << "CHECK FAILED: " << what << Qt::endl;
            }
        };
        expect(full.value(QLatin1String("records")).toDouble()
                == fetch.value(QLatin1String("records")).toDouble(),
            "the full sync read every record the server serves");
        expect(full.value(QLatin1String("created")).toDouble()
                > 0.9 * full.value(QLatin1String("records")).toDouble(),
            "the full sync created most records");
        expect(nochange.value(QLatin1String("created")).toDouble() == 0
                && nochange.value(QLatin1String("updated")).toDouble() == 0,
            "a sync with nothing changed wrote nothing");
        expect(
            changed.value(QLatin1String("updated")).toDouble() > 0, "changed records were updated");
        expect(cpuSeconds(full) > 0 && cpuSeconds(copy) > 0,
            "the full sync's and the raw inserts' CPU time were measured");
        expect(full.value(QLatin1String("answer_wait_ms")).toDouble()
                    + full.value(QLatin1String("staging_wait_ms")).toDouble()
                <= 1000 * full.value(QLatin1String("seconds")).toDouble(),
            "the sync thread waited no longer than the full sync took");
        if (rounds > 1) {
            std::sort(ratios.begin(), ratios.end());
            out() << QStringLiteral("fastest of %1 rounds each below; median of the rounds' own "
                                    "ratios: %2%")
                         .arg(rounds)
                         .arg(100 * ratios.at(ratios.size() / 2), 0, 'f', 0)
                  << Qt::endl;
        }
        out() << row(QStringLiteral("limit: fake serving"), fetch);
        // Time the client held requests back for the burst limit is not serving time: said, so
        // that a paced limit is not taken for the fake's speed.
        if (const double paced = fetch.value(QLatin1String("paced_ms")).toDouble(); paced > 0)
            out() << QStringLiteral("  (of which %1 s held back for the burst limit)")
                         .arg(paced / 1000, 0, 'f', 2);
        out() << Qt::endl;
        out() << row(QStringLiteral("limit: raw inserts"), copy)
              << QStringLiteral("  (the sync's own rows and mappings)") << Qt::endl;
        out() << row(QStringLiteral("(rows mapped w/o links)"), insert)
              << QStringLiteral("  full sync = %1% of this or the fake (the limit until Dec 4)")
                     .arg(100 * rate(full) / std::max(1.0, std::min(rate(fetch), rate(insert))), 0,
                         'f', 0)
              << Qt::endl;
        out() << row(QStringLiteral("full sync"), full, limit) << Qt::endl;
        out() << row(QStringLiteral("incremental, no change"), nochange) << Qt::endl;
        out() << row(QStringLiteral("incremental, 1% changed"), changed)
              << QStringLiteral("  (%1 records touched)").arg(touched) << Qt::endl;
        out() << QStringLiteral("full sync: %1 records per request, %2 pages staged ahead (the "
                                "last records of %3 mapped by the sync thread, which waited for "
                                "them), %5 pages committed in %6 transactions, %7 sources' first "
                                "pages asked for ahead; smaller limit: %4")
                     .arg(full.value(QLatin1String("records")).toDouble()
                             / std::max(1.0, full.value(QLatin1String("requests")).toDouble()),
                         0, 'f', 0)
                     .arg(qint64(full.value(QLatin1String("staged_ahead")).toDouble()))
                     .arg(qint64(full.value(QLatin1String("mapped_here")).toDouble()))
                     .arg(seconds(fetch) > seconds(copy) ? QStringLiteral("the fake server")
                                                         : QStringLiteral("the database"))
                     .arg(qint64(full.value(QLatin1String("pages")).toDouble()))
                     .arg(qint64(full.value(QLatin1String("transactions")).toDouble()))
                     .arg(qint64(full.value(QLatin1String("prefetched")).toDouble()))
              << Qt::endl;
        out() << QStringLiteral("full sync, CPU time by thread: %1; the fake server's process "
                                "%2 s (wall %3 s); the sync thread runnable but without a core "
                                "%4 s, and with nothing to write %5 s waiting for answers and %6 s "
                                "for pages being staged")
                     .arg(threadLine(full))
                     .arg(full.value(QLatin1String("fake_cpu")).toDouble(), 0, 'f', 2)
                     .arg(full.value(QLatin1String("seconds")).toDouble(), 0, 'f', 2)
                     .arg(full.value(QLatin1String("thread_wait"))
                              .toObject()
                              .value(QLatin1String("pds-sync"))
                              .toDouble(),
                         0, 'f', 2)
                     .arg(full.value(QLatin1String("answer_wait_ms")).toDouble() / 1000, 0, 'f', 2)
                     .arg(full.value(QLatin1String("staging_wait_ms")).toDouble() / 1000, 0, 'f', 2)
              << Qt::endl;
        // The sync's work on all its threads, spread perfectly over every core, still takes its
        // CPU time over the cores: the share of the limit no overlap can go past on this machine.
        // Only where the database works in the process (SQLite): a PostgreSQL server's own
        // processes are in neither time.
        if (databaseKind == QLatin1String("sqlite")) {
            const int cores = std::max(1, QThread::idealThreadCount());
            const double floorSeconds = cpuSeconds(full) / cores;
            out() << QStringLiteral(
                "full sync: %1 s of CPU in all (its process %2 s, the fake "
                "server's %3 s), %4x the raw inserts' %5 s; on %6 cores no less "
                "than %7 s: at most %8% of the limit")
                         .arg(cpuSeconds(full), 0, 'f', 2)
                         .arg(full.value(QLatin1String("cpu_seconds")).toDouble(), 0, 'f', 2)
                         .arg(full.value(QLatin1String("fake_cpu")).toDouble(), 0, 'f', 2)
                         .arg(cpuSeconds(full) / std::max(1e-9, cpuSeconds(copy)), 0, 'f', 1)
                         .arg(cpuSeconds(copy), 0, 'f', 2)
                         .arg(cores)
                         .arg(floorSeconds, 0, 'f', 2)
                         .arg(100 * std::max(seconds(fetch), seconds(copy))
                                 / std::max(1e-9, floorSeconds),
                             0, 'f', 0)
                  << Qt::endl;
        }
        // A thread busy for nearly its pass's whole wall time is the one that pass waited for. The
        // peak so far at a pass's end tells where memory grew.
        for (const QJsonValue &value : full.value(QLatin1String("passes")).toArray()) {
            const QJsonObject pass = value.toObject();
            const double wall = pass.value(QLatin1String("seconds")).toDouble();
            const auto share = [&](const char *times, const char *thread) {
                return QString::number(qRound(100
                    * pass.value(QLatin1String(times))
                          .toObject()
                          .value(QLatin1String(thread))
                          .toDouble()
                    / qMax(wall, 1e-9)));
            };
            const auto busy = [&](const char *thread) {
                return share("thread_cpu", thread);
            };
            // Runnable without a core: what more cores, or fewer threads beside it, would give it.
            out() << QStringLiteral(
                "  pass %1: %2 s, busy: sync thread %3% (+%7% waiting for a "
                "core), stage worker %4%, network thread %5%; peak so far %6 MB")
                         .arg(pass.value(QLatin1String("entity")).toString(), -13)
                         .arg(wall, 0, 'f', 2)
                         .arg(busy("pds-sync"), busy("pds-stage"), busy("pds-network"))
                         .arg(pass.value(QLatin1String("peak_mb")).toDouble(), 0, 'f', 1)
                         .arg(share("thread_wait", "pds-sync"))
                  << Qt::endl;
        }

        if (withLatency) {
            // With latency on every request: do fetching and writing overlap?
            if (!startFake(latencyMs)) {
                out() << "could not start the fake server with latency" << Qt::endl;
                return 2;
            }
            const QStringList slow { QStringLiteral("--url"), url.toString(),
                QStringLiteral("--token"), token, QStringLiteral("--page-size"),
                QString::number(pageSize) };
            const QJsonObject slowFetch
                = check(child(QStringList { QStringLiteral("phase-fetch") } + slow));
            const QJsonObject slowSync = check(
                child(QStringList { QStringLiteral("phase-sync"), QStringLiteral("--database"),
                          newDatabase(dir, QStringLiteral("latency")), QStringLiteral("--full") }
                    + slow));
            out() << row(QStringLiteral("fetch only, %1 ms latency").arg(latencyMs), slowFetch)
                  << Qt::endl;
            out() << row(QStringLiteral("full sync, %1 ms latency").arg(latencyMs), slowSync)
                  << Qt::endl;
            out() << QStringLiteral(
                "latency overlap: sync wall / fetch-only wall = %1 (%2 records)")
                         .arg(slowSync.value(QLatin1String("seconds")).toDouble()
                                 / std::max(
                                     0.001, slowFetch.value(QLatin1String("seconds")).toDouble()),
                             0, 'f', 2)
                         .arg(latencyRecords)
                  << Qt::endl;
        }
        fake.kill();
        fake.waitForFinished();
        if (databaseKind != QLatin1String("sqlite")) {
            QStringList names { QStringLiteral("latency") };
            for (int round = 1; round <= rounds; ++round)
                names << QStringLiteral("raw%1").arg(round) << QStringLiteral("copy%1").arg(round)
                      << QStringLiteral("sync%1").arg(round);
            for (const QString &name : std::as_const(names))
                QProcess::execute(QStringLiteral("psql"),
                    { pgUrl + QStringLiteral("/postgres"), QStringLiteral("-q"),
                        QStringLiteral("-c"),
                        QStringLiteral("DROP DATABASE IF EXISTS pds_bench_%1").arg(name) });
        }
        return failed ? 1 : 0;
    }
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // One line per request would measure the terminal, not the sync.
    QLoggingCategory::setFilterRules(QStringLiteral("pds.*.debug=false\npds.*.info=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Measures the sync against the limits of this machine."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("phase"),
        QStringLiteral("(internal) phase-fetch | phase-sync | phase-insert | phase-copy"));
    const QCommandLineOption records(QStringLiteral("records"),
        QStringLiteral("Dataset size (default 10000)."), QStringLiteral("N"),
        QStringLiteral("10000"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Generator seed."),
        QStringLiteral("S"), QStringLiteral("1"));
    const QCommandLineOption database(QStringLiteral("database"),
        QStringLiteral("sqlite (default) or postgresql://user@host:port"), QStringLiteral("kind"),
        QStringLiteral("sqlite"));
    const QCommandLineOption pageSize(QStringLiteral("page-size"), QStringLiteral("Page size."),
        QStringLiteral("N"), QStringLiteral("500"));
    const QCommandLineOption latency(QStringLiteral("latency"),
        QStringLiteral("Latency for the overlap run (ms, 0 = skip)."), QStringLiteral("ms"),
        QStringLiteral("100"));
    const QCommandLineOption latencyRecords(QStringLiteral("latency-records"),
        QStringLiteral("Dataset size of the latency run."), QStringLiteral("N"),
        QStringLiteral("5000"));
    const QCommandLineOption url(
        QStringLiteral("url"), QStringLiteral("(internal)"), QStringLiteral("url"));
    const QCommandLineOption token(
        QStringLiteral("token"), QStringLiteral("(internal)"), QStringLiteral("t"));
    const QCommandLineOption repeat(QStringLiteral("repeat"),
        QStringLiteral("Rounds of the limits and the full sync; the fastest of each is kept."),
        QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption full(QStringLiteral("full"), QStringLiteral("(internal)"));
    const QCommandLineOption from(
        QStringLiteral("from"), QStringLiteral("(internal)"), QStringLiteral("database"));
    const QCommandLineOption noStageAhead(QStringLiteral("no-stage-ahead"),
        QStringLiteral("Stage each page on the sync thread right before it is written (for "
                       "comparison)."));
    parser.addOptions({ records, seed, database, pageSize, latency, latencyRecords, repeat, url,
        token, full, from, noStageAhead });
    parser.process(app);
    const QString phase = parser.positionalArguments().value(0);
    const int size = parser.value(pageSize).toInt();

    if (phase == QLatin1String("phase-fetch"))
        return phaseFetch(QUrl(parser.value(url)), parser.value(token), size);
    if (phase == QLatin1String("phase-sync") || phase == QLatin1String("phase-insert")
        || phase == QLatin1String("phase-copy")) {
        QString error;
        const auto badUrl = [&error] {
            out() << QJsonDocument(QJsonObject { { QStringLiteral("error"), error } })
                         .toJson(QJsonDocument::Compact)
                  << Qt::endl;
            return 2;
        };
        const auto config = DatabaseConfig::fromUrl(parser.value(database), &error);
        if (!config)
            return badUrl();
        if (phase == QLatin1String("phase-copy")) {
            const auto source = DatabaseConfig::fromUrl(parser.value(from), &error);
            return source ? phaseCopy(*source, *config) : badUrl();
        }
        if (phase == QLatin1String("phase-sync"))
            return phaseSync(QUrl(parser.value(url)), parser.value(token), *config, size,
                parser.isSet(full), !parser.isSet(noStageAhead));
        return phaseInsert(*config, parser.value(seed).toUInt(),
            pds::test::DatasetSizes::fromTotal(parser.value(records).toInt()));
    }

    Bench bench;
    bench.self = QCoreApplication::applicationFilePath();
    bench.fakeBinary
        = QStringLiteral(PDS_BINARY_DIR) + QStringLiteral("/tests/support/fake-pipedrive");
    bench.records = parser.value(records).toInt();
    bench.seed = parser.value(seed).toUInt();
    bench.pageSize = size;
    bench.latencyMs = parser.value(latency).toInt();
    bench.withLatency = bench.latencyMs > 0;
    bench.latencyRecords = parser.value(latencyRecords).toInt();
    bench.stageAhead = !parser.isSet(noStageAhead);
    bench.rounds = std::max(1, parser.value(repeat).toInt());
    const QString kind = parser.value(database);
    if (kind != QLatin1String("sqlite")) {
        bench.databaseKind = QStringLiteral("postgresql");
        bench.pgUrl = kind;
    }
    return bench.run();
}
