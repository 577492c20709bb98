#include "db/database.h"
#include "db/runjournal.h"
#include "db/schemamanager.h"
#include "scratchdatabase.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;
using pds::Database;
using pds::DbError;
using pds::Problem;
using pds::ProblemFilter;
using pds::RunCounts;
using pds::RunJournal;

// Opens `db` on the scratch database with the CRM and app schema in place.
#define PDS_OPEN_JOURNAL_DATABASE(scratch, db)                                                     \
    PDS_SCRATCH_DATABASE(scratch);                                                                 \
    Database db;                                                                                   \
    QVERIFY(db.open(scratch.config()).isOk());                                                     \
    {                                                                                              \
        pds::SchemaManager schema;                                                                 \
        const DbError schemaError = schema.ensureSchema(db);                                       \
        QVERIFY2(schemaError.isOk(), qPrintable(schemaError.toString()));                          \
    }

class TestRunJournal : public QObject
{
    Q_OBJECT

private slots:
    void recordsARunFromStartToFinish_data() { pds::test::addBackendRows(); }
    void recordsARunFromStartToFinish();
    void listsRunsNewestFirst_data() { pds::test::addBackendRows(); }
    void listsRunsNewestFirst();
    void finishingAnUnknownRunIsAnError_data() { pds::test::addBackendRows(); }
    void finishingAnUnknownRunIsAnError();
    void recordsAndFiltersProblems_data() { pds::test::addBackendRows(); }
    void recordsAndFiltersProblems();
    void keepsCheckpointsAndHighWaterMarksPerEntity_data() { pds::test::addBackendRows(); }
    void keepsCheckpointsAndHighWaterMarksPerEntity();
    void writesJoinTheCallersTransaction_data() { pds::test::addBackendRows(); }
    void writesJoinTheCallersTransaction();
    void keptBackProblemsAreWrittenTogetherOrDropped_data() { pds::test::addBackendRows(); }
    void keptBackProblemsAreWrittenTogetherOrDropped();
};

void TestRunJournal::recordsARunFromStartToFinish()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    DbError error;
    const qint64 id = journal.startRun(u"persons"_s, u"incremental"_s, true, &error);
    QVERIFY2(id > 0, qPrintable(error.toString()));

    auto running = journal.run(id, &error);
    QVERIFY(running.has_value());
    QCOMPARE(running->entity, u"persons"_s);
    QCOMPARE(running->mode, u"incremental"_s);
    QCOMPARE(running->dryRun, true);
    QCOMPARE(running->outcome, u"running"_s);
    QVERIFY(running->startedAt >= before);
    QCOMPARE(running->startedAt.timeSpec(), Qt::UTC);
    QVERIFY(!running->finishedAt.isValid());
    QCOMPARE(running->counts, RunCounts {});

    RunCounts counts;
    counts.fetched = 1200;
    counts.created = 1000;
    counts.updated = 100;
    counts.unchanged = 50;
    counts.merged = 20;
    counts.skipped = 15;
    counts.failed = 10;
    counts.deleted = 5;
    counts.requests = 3;
    counts.tokens = 60000000000LL; // beyond 32 bits
    const DbError finished
        = journal.finishRun(id, counts, u"finished-with-problems"_s, u"15 persons had no email"_s);
    QVERIFY2(finished.isOk(), qPrintable(finished.toString()));

    const auto done = journal.run(id, &error);
    QVERIFY(done.has_value());
    QCOMPARE(done->counts, counts);
    QCOMPARE(done->outcome, u"finished-with-problems"_s);
    QCOMPARE(done->message, u"15 persons had no email"_s);
    QVERIFY(done->finishedAt.isValid());
    QVERIFY(done->finishedAt >= done->startedAt);
    QVERIFY(done->finishedAt <= QDateTime::currentDateTimeUtc().addSecs(1));
    QVERIFY(!journal.run(id + 100, &error).has_value());
    QVERIFY(error.isOk());
}

void TestRunJournal::listsRunsNewestFirst()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    const qint64 users = journal.startRun(u"users"_s, u"full"_s, false);
    const qint64 deals = journal.startRun(u"deals"_s, u"full"_s, false);
    const qint64 usersAgain = journal.startRun(u"users"_s, u"incremental"_s, false);
    QVERIFY(users > 0 && deals > users && usersAgain > deals);

    DbError error;
    const QList<pds::RunRecord> all = journal.runs(10, {}, &error);
    QVERIFY(error.isOk());
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(0).id, usersAgain);
    QCOMPARE(all.at(2).id, users);
    QCOMPARE(all.at(0).dryRun, false);

    const QList<pds::RunRecord> onlyUsers = journal.runs(10, u"users"_s);
    QCOMPARE(onlyUsers.size(), 2);
    QCOMPARE(onlyUsers.at(0).mode, u"incremental"_s);
    QCOMPARE(journal.runs(1).size(), 1);
    QCOMPARE(journal.runs(0).size(), 3); // no limit
}

void TestRunJournal::finishingAnUnknownRunIsAnError()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    QVERIFY(journal.finishRun(4242, {}, u"finished"_s).isError());
}

void TestRunJournal::recordsAndFiltersProblems()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    const qint64 first = journal.startRun(u"all"_s, u"full"_s, false);
    const qint64 second = journal.startRun(u"all"_s, u"full"_s, false);
    QVERIFY(journal
                .recordProblem(first, u"persons"_s, 17, Problem::Kind::Skipped,
                    u"no valid email address"_s, u"emails: ['n/a']"_s)
                .isOk());
    QVERIFY(journal
                .recordProblem(first, u"organizations"_s, 3000000000LL, Problem::Kind::Merged,
                    u"same name as organization 12"_s)
                .isOk());
    QVERIFY(journal
                .recordProblem(second, u"notes"_s, std::nullopt, Problem::Kind::Failed,
                    u"page 3 could not be stored"_s, u"disk full"_s)
                .isOk());
    QVERIFY(journal
                .recordProblem(
                    second, u"persons"_s, 18, Problem::Kind::Deleted, u"deleted in Pipedrive"_s)
                .isOk());
    // A problem needs an existing run.
    QVERIFY(journal.recordProblem(999, u"persons"_s, 1, Problem::Kind::Skipped, u"x"_s).isError());

    DbError error;
    const QList<Problem> all = journal.problems({}, &error);
    QVERIFY(error.isOk());
    QCOMPARE(all.size(), 4);
    QCOMPARE(all.at(0).kind, Problem::Kind::Deleted); // newest first
    QCOMPARE(all.at(1).pipedriveId, std::nullopt);
    QCOMPARE(all.at(1).detail, u"disk full"_s);
    QCOMPARE(all.at(2).pipedriveId, std::optional<qint64>(3000000000LL));
    QCOMPARE(all.at(2).detail, QString());
    const Problem &skipped = all.at(3);
    QCOMPARE(skipped.runId, first);
    QCOMPARE(skipped.entity, u"persons"_s);
    QCOMPARE(skipped.pipedriveId, std::optional<qint64>(17));
    QCOMPARE(skipped.kind, Problem::Kind::Skipped);
    QCOMPARE(skipped.reason, u"no valid email address"_s);
    QCOMPARE(skipped.detail, u"emails: ['n/a']"_s);
    QVERIFY(skipped.createdAt.isValid());

    ProblemFilter byRun;
    byRun.runId = first;
    QCOMPARE(journal.problems(byRun).size(), 2);
    ProblemFilter byEntity;
    byEntity.entity = u"persons"_s;
    QCOMPARE(journal.problems(byEntity).size(), 2);
    ProblemFilter byKind;
    byKind.kind = Problem::Kind::Failed;
    QCOMPARE(journal.problems(byKind).size(), 1);
    ProblemFilter combined;
    combined.runId = second;
    combined.entity = u"persons"_s;
    combined.kind = Problem::Kind::Deleted;
    QCOMPARE(journal.problems(combined).size(), 1);
    ProblemFilter page;
    page.limit = 2;
    page.offset = 1;
    const QList<Problem> paged = journal.problems(page);
    QCOMPARE(paged.size(), 2);
    QCOMPARE(paged.at(0).id, all.at(1).id);

    QCOMPARE(Problem::kindFromName(u"merged"_s), Problem::Kind::Merged);
    QVERIFY(!Problem::kindFromName(u"bogus"_s));
}

void TestRunJournal::keepsCheckpointsAndHighWaterMarksPerEntity()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    DbError error;
    QVERIFY(journal.checkpoint(u"deals"_s, &error).isEmpty());
    QVERIFY(error.isOk());
    QCOMPARE(journal.highWaterMark(u"deals"_s), QString());

    const QJsonObject checkpoint { { u"cursor"_s, u"eyJpZCI6MTAwfQ=="_s }, { u"page"_s, 7 },
        { u"seen"_s, QJsonArray { 1, 2, 3 } } };
    QVERIFY(journal.setCheckpoint(u"deals"_s, checkpoint).isOk());
    QVERIFY(journal.setHighWaterMark(u"deals"_s, u"2025-11-20 10:00:00"_s).isOk());
    QVERIFY(journal.setHighWaterMark(u"persons"_s, u"2025-11-19 09:00:00"_s).isOk());
    QCOMPARE(journal.checkpoint(u"deals"_s), checkpoint);
    QCOMPARE(journal.highWaterMark(u"deals"_s), u"2025-11-20 10:00:00"_s);
    QCOMPARE(journal.highWaterMark(u"persons"_s), u"2025-11-19 09:00:00"_s);
    QVERIFY(journal.checkpoint(u"persons"_s).isEmpty());

    // Overwriting one field keeps the other.
    QVERIFY(journal.setCheckpoint(u"deals"_s, { { u"page"_s, 8 } }).isOk());
    QCOMPARE(journal.checkpoint(u"deals"_s).value(u"page"_s).toInt(), 8);
    QCOMPARE(journal.highWaterMark(u"deals"_s), u"2025-11-20 10:00:00"_s);

    QVERIFY(journal.setCheckpoint(u"deals"_s, {}).isOk());
    QVERIFY(journal.checkpoint(u"deals"_s).isEmpty());
    QVERIFY(journal.setHighWaterMark(u"deals"_s, {}).isOk());
    QCOMPARE(journal.highWaterMark(u"deals"_s), QString());
}

void TestRunJournal::writesJoinTheCallersTransaction()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    const qint64 run = journal.startRun(u"deals"_s, u"full"_s, false);

    // A page that rolls back takes its checkpoint and problems with it.
    QVERIFY(db.beginTransaction().isOk());
    QVERIFY(journal.setCheckpoint(u"deals"_s, { { u"page"_s, 1 } }).isOk());
    QVERIFY(journal.recordProblem(run, u"deals"_s, 5, Problem::Kind::Skipped, u"x"_s).isOk());
    QVERIFY(db.inTransaction());
    QVERIFY(db.rollback().isOk());
    QVERIFY(journal.checkpoint(u"deals"_s).isEmpty());
    QVERIFY(journal.problems().isEmpty());

    // A page that commits keeps them.
    QVERIFY(db.beginTransaction().isOk());
    QVERIFY(journal.setCheckpoint(u"deals"_s, { { u"page"_s, 2 } }).isOk());
    QVERIFY(journal.setHighWaterMark(u"deals"_s, u"2025-01-01 00:00:00"_s).isOk());
    QVERIFY(journal.recordProblem(run, u"deals"_s, 6, Problem::Kind::Skipped, u"y"_s).isOk());
    QVERIFY(db.inTransaction());
    QVERIFY(db.commit().isOk());

    Database other; // a second connection sees only committed data
    QVERIFY(other.open(scratch.config()).isOk());
    RunJournal otherJournal(other);
    QCOMPARE(otherJournal.checkpoint(u"deals"_s).value(u"page"_s).toInt(), 2);
    QCOMPARE(otherJournal.highWaterMark(u"deals"_s), u"2025-01-01 00:00:00"_s);
    QCOMPARE(otherJournal.problems().size(), 1);
}

void TestRunJournal::keptBackProblemsAreWrittenTogetherOrDropped()
{
    PDS_OPEN_JOURNAL_DATABASE(scratch, db);
    RunJournal journal(db);
    const qint64 run = journal.startRun(u"persons"_s, u"full"_s, false);
    journal.setDeferProblems(true);
    QVERIFY(journal.recordProblem(run, u"persons"_s, 1, Problem::Kind::Skipped, u"a"_s).isOk());
    QVERIFY(journal.problems().isEmpty()); // kept back
    journal.discardProblems(); // the page rolled back
    for (int i = 0; i < 60; ++i) { // more than one statement's worth
        QVERIFY(journal
                    .recordProblem(run, u"persons"_s,
                        i == 0 ? std::nullopt : std::optional<qint64>(100 + i),
                        i % 2 ? Problem::Kind::Merged : Problem::Kind::Skipped,
                        u"reason %1"_s.arg(i), i == 59 ? u"the detail"_s : QString())
                    .isOk());
    }
    QVERIFY(journal.flushProblems().isOk());
    journal.setDeferProblems(false);
    const QList<Problem> all = journal.problems();
    QCOMPARE(all.size(), 60);
    QCOMPARE(all.first().reason, u"reason 59"_s); // newest first: written in order
    QCOMPARE(all.first().detail, u"the detail"_s);
    QCOMPARE(all.first().kind, Problem::Kind::Merged);
    QCOMPARE(all.last().pipedriveId, std::nullopt);
    QCOMPARE(all.last().detail, QString());
    QCOMPARE(all.at(1).pipedriveId, std::optional<qint64>(158));
    // What the database refuses (no such run) is refused when written.
    journal.setDeferProblems(true);
    QVERIFY(journal.recordProblem(999, u"persons"_s, 1, Problem::Kind::Skipped, u"x"_s).isOk());
    QVERIFY(journal.flushProblems().isError());
}

QTEST_GUILESS_MAIN(TestRunJournal)
#include "tst_runjournal.moc"
