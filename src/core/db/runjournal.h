#pragma once

#include "db/dberror.h"
#include "db/runcounts.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pds {

class Database;

// One row of pipedrive_sync_runs.
struct RunRecord
{
    qint64 id = -1;
    QString entity; // "users", ..., or "all"
    QString mode; // e.g. "incremental", "full"
    bool dryRun = false;
    QDateTime startedAt; // UTC
    QDateTime finishedAt; // UTC; invalid while running (or if the process died)
    QString outcome; // "running" until finishRun()
    QString message;
    RunCounts counts;
};

// One row of pipedrive_sync_problems: a record that was not imported as such, or (a warning) one
// imported with a value dropped or guessed.
struct Problem
{
    enum class Kind { Skipped, Merged, Failed, Deleted, Warning };

    qint64 id = -1;
    qint64 runId = -1;
    QString entity;
    std::optional<qint64> pipedriveId;
    Kind kind = Kind::Skipped;
    QString reason; // a sentence for the user
    QString detail; // e.g. the offending value
    QDateTime createdAt; // UTC

    static QString kindName(Kind kind); // "skipped", ... as stored
    static std::optional<Kind> kindFromName(const QString &name);
};

// Which problems to list; empty/zero fields do not filter.
struct ProblemFilter
{
    qint64 runId = 0;
    QString entity;
    std::optional<Problem::Kind> kind;
    int limit = 1000;
    int offset = 0;
};

// Run history, problems and per-entity checkpoints in the app's pipedrive_sync_* tables
// (SchemaManager creates them). It never begins or commits a transaction itself: every write
// joins the caller's open transaction, so a checkpoint commits together with its page.
class RunJournal
{
public:
    static constexpr auto RunningOutcome = "running";

    explicit RunJournal(Database &db);

    // A new run row (outcome "running"); returns its id, or -1 and *error.
    qint64 startRun(
        const QString &entity, const QString &mode, bool dryRun, DbError *error = nullptr);
    DbError finishRun(
        qint64 runId, const RunCounts &counts, const QString &outcome, const QString &message = {});
    DbError recordProblem(qint64 runId, const QString &entity, std::optional<qint64> pipedriveId,
        Problem::Kind kind, const QString &reason, const QString &detail = {});
    // While on, problems are kept and written together by flushProblems(), a few multi-row
    // INSERTs instead of one per problem; discardProblems() drops them (a page rolled back).
    // The sync engine turns it on for a page written without savepoints.
    void setDeferProblems(bool on) { m_deferProblems = on; }
    DbError flushProblems();
    void discardProblems() { m_pendingProblems.clear(); }

    // Newest first.
    QList<Problem> problems(const ProblemFilter &filter = {}, DbError *error = nullptr);
    // Newest first; an empty entity lists every entity's runs.
    QList<RunRecord> runs(int limit = 100, const QString &entity = {}, DbError *error = nullptr);
    std::optional<RunRecord> run(qint64 runId, DbError *error = nullptr);

    // Where an interrupted run of `entity` resumes (empty: start from the beginning).
    QJsonObject checkpoint(const QString &entity, DbError *error = nullptr);
    // An empty object clears the checkpoint.
    DbError setCheckpoint(const QString &entity, const QJsonObject &checkpoint);
    // The newest update_time seen for `entity` (Pipedrive's text, as given); empty if none.
    QString highWaterMark(const QString &entity, DbError *error = nullptr);
    // An empty mark clears it (the next run is a full one).
    DbError setHighWaterMark(const QString &entity, const QString &mark);

private:
    Database &m_db;
    bool m_deferProblems = false;
    QList<QVariantList> m_pendingProblems; // each: the columns' values in insertion order
};

} // namespace pds
