#include "db/runjournal.h"

#include "db/database.h"

#include <QJsonDocument>
#include <QSqlQuery>

#include <limits>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

QString now()
{
    return Database::formatTimestamp(QDateTime::currentDateTimeUtc());
}

QVariant nullableText(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

// Times are read as text: the drivers disagree on what a zone-less timestamp means.
constexpr auto RunColumns
    = "\"id\", \"entity\", \"mode\", \"dry_run\", CAST(\"started_at\" AS TEXT), "
      "CAST(\"finished_at\" AS TEXT), \"outcome\", \"message\", \"fetched\", \"created\", "
      "\"updated\", \"unchanged\", \"merged\", \"skipped\", \"failed\", \"deleted\", "
      "\"requests\", \"tokens\""_L1;

RunRecord readRun(const QSqlQuery &query)
{
    RunRecord run;
    run.id = query.value(0).toLongLong();
    run.entity = query.value(1).toString();
    run.mode = query.value(2).toString();
    run.dryRun = query.value(3).toBool();
    run.startedAt = Database::parseTimestamp(query.value(4));
    run.finishedAt = Database::parseTimestamp(query.value(5));
    run.outcome = query.value(6).toString();
    run.message = query.value(7).toString();
    RunCounts &c = run.counts;
    qint64 *fields[] = { &c.fetched, &c.created, &c.updated, &c.unchanged, &c.merged, &c.skipped,
        &c.failed, &c.deleted, &c.requests, &c.tokens };
    int column = 8;
    for (qint64 *field : fields)
        *field = query.value(column++).toLongLong();
    return run;
}

void setError(DbError *target, const DbError &error)
{
    if (target)
        *target = error;
}

} // namespace

QString Problem::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Skipped:
        return u"skipped"_s;
    case Kind::Merged:
        return u"merged"_s;
    case Kind::Failed:
        return u"failed"_s;
    case Kind::Deleted:
        return u"deleted"_s;
    case Kind::Warning:
        return u"warning"_s;
    }
    return u"failed"_s;
}

std::optional<Problem::Kind> Problem::kindFromName(const QString &name)
{
    for (const Kind kind :
        { Kind::Skipped, Kind::Merged, Kind::Failed, Kind::Deleted, Kind::Warning }) {
        if (kindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

RunJournal::RunJournal(Database &db)
    : m_db(db)
{ }

qint64 RunJournal::startRun(const QString &entity, const QString &mode, bool dryRun, DbError *error)
{
    return m_db.insertReturningId(u"pipedrive_sync_runs"_s,
        { u"entity"_s, u"mode"_s, u"dry_run"_s, u"started_at"_s, u"outcome"_s },
        { entity, mode, dryRun, now(), QString::fromLatin1(RunningOutcome) }, error);
}

DbError RunJournal::finishRun(
    qint64 runId, const RunCounts &counts, const QString &outcome, const QString &message)
{
    DbError error;
    QSqlQuery *query = m_db.prepared(
        u"UPDATE \"pipedrive_sync_runs\" SET \"finished_at\" = ?, \"outcome\" = ?, \"message\" = "
        "?, \"fetched\" = ?, \"created\" = ?, \"updated\" = ?, \"unchanged\" = ?, \"merged\" = ?, "
        "\"skipped\" = ?, \"failed\" = ?, \"deleted\" = ?, \"requests\" = ?, \"tokens\" = ? "
        "WHERE \"id\" = ?"_s,
        &error);
    if (!query)
        return error;
    const QVariantList values = { now(), outcome, nullableText(message), counts.fetched,
        counts.created, counts.updated, counts.unchanged, counts.merged, counts.skipped,
        counts.failed, counts.deleted, counts.requests, counts.tokens, runId };
    for (qsizetype i = 0; i < values.size(); ++i)
        query->bindValue(int(i), values.at(i));
    if (!m_db.exec(*query, &error))
        return error;
    if (query->numRowsAffected() != 1) {
        return DbError::make(DbError::Kind::Other,
            u"Internal error: there is no sync run %1 to finish."_s.arg(runId));
    }
    return {};
}

DbError RunJournal::recordProblem(qint64 runId, const QString &entity,
    std::optional<qint64> pipedriveId, Problem::Kind kind, const QString &reason,
    const QString &detail)
{
    DbError error;
    const QVariant id
        = pipedriveId ? QVariant(*pipedriveId) : QVariant(QMetaType::fromType<qint64>());
    QVariantList values { runId, entity, id, Problem::kindName(kind), reason, nullableText(detail),
        now() };
    if (m_deferProblems) {
        m_pendingProblems.append(std::move(values));
        return error;
    }
    m_db.insertReturningId(u"pipedrive_sync_problems"_s,
        { u"run_id"_s, u"entity"_s, u"pipedrive_id"_s, u"kind"_s, u"reason"_s, u"detail"_s,
            u"created_at"_s },
        values, &error);
    return error;
}

DbError RunJournal::flushProblems()
{
    constexpr qsizetype Chunk = 50; // rows per INSERT: 350 bound values
    DbError error;
    while (!m_pendingProblems.isEmpty()) {
        const qsizetype count = Database::statementRows(m_pendingProblems.size(), Chunk);
        QVariantList values;
        values.reserve(count * 7);
        for (qsizetype i = 0; i < count; ++i)
            values << m_pendingProblems.at(i);
        const QString sql = u"INSERT INTO \"pipedrive_sync_problems\" (\"run_id\", \"entity\", "
                            "\"pipedrive_id\", \"kind\", \"reason\", \"detail\", \"created_at\") "
                            "VALUES "_s
            + QStringList(count, u"(?, ?, ?, ?, ?, ?, ?)"_s).join(u", "_s);
        if (!m_db.execWrite(sql, values, &error))
            return error;
        m_pendingProblems.remove(0, count);
    }
    return error;
}

QList<Problem> RunJournal::problems(const ProblemFilter &filter, DbError *error)
{
    // Only fixed fragments are joined; every value is bound.
    QString sql = u"SELECT \"id\", \"run_id\", \"entity\", \"pipedrive_id\", \"kind\", "
                  "\"reason\", \"detail\", CAST(\"created_at\" AS TEXT) FROM "
                  "\"pipedrive_sync_problems\""_s;
    QStringList conditions;
    QVariantList values;
    if (filter.runId > 0) {
        conditions << u"\"run_id\" = ?"_s;
        values << filter.runId;
    }
    if (!filter.entity.isEmpty()) {
        conditions << u"\"entity\" = ?"_s;
        values << filter.entity;
    }
    if (filter.kind) {
        conditions << u"\"kind\" = ?"_s;
        values << Problem::kindName(*filter.kind);
    }
    if (!conditions.isEmpty())
        sql += u" WHERE "_s + conditions.join(" AND "_L1);
    sql += " ORDER BY \"id\" DESC LIMIT ? OFFSET ?"_L1;
    values << (filter.limit > 0 ? qint64(filter.limit) : std::numeric_limits<qint64>::max())
           << qint64(qMax(0, filter.offset));

    QList<Problem> result;
    DbError failure;
    QSqlQuery *query = m_db.prepared(sql, &failure);
    if (!query) {
        setError(error, failure);
        return result;
    }
    for (qsizetype i = 0; i < values.size(); ++i)
        query->bindValue(int(i), values.at(i));
    if (!m_db.exec(*query, &failure)) {
        setError(error, failure);
        return result;
    }
    while (query->next()) {
        Problem problem;
        problem.id = query->value(0).toLongLong();
        problem.runId = query->value(1).toLongLong();
        problem.entity = query->value(2).toString();
        if (!query->isNull(3))
            problem.pipedriveId = query->value(3).toLongLong();
        problem.kind
            = Problem::kindFromName(query->value(4).toString()).value_or(Problem::Kind::Failed);
        problem.reason = query->value(5).toString();
        problem.detail = query->value(6).toString();
        problem.createdAt = Database::parseTimestamp(query->value(7));
        result << problem;
    }
    query->finish();
    setError(error, {});
    return result;
}

QList<RunRecord> RunJournal::runs(int limit, const QString &entity, DbError *error)
{
    QString sql = u"SELECT "_s + RunColumns + u" FROM \"pipedrive_sync_runs\""_s;
    QVariantList values;
    if (!entity.isEmpty()) {
        sql += " WHERE \"entity\" = ?"_L1;
        values << entity;
    }
    sql += " ORDER BY \"id\" DESC LIMIT ?"_L1;
    values << (limit > 0 ? qint64(limit) : std::numeric_limits<qint64>::max());

    QList<RunRecord> result;
    DbError failure;
    QSqlQuery *query = m_db.prepared(sql, &failure);
    if (!query) {
        setError(error, failure);
        return result;
    }
    for (qsizetype i = 0; i < values.size(); ++i)
        query->bindValue(int(i), values.at(i));
    if (!m_db.exec(*query, &failure)) {
        setError(error, failure);
        return result;
    }
    while (query->next())
        result << readRun(*query);
    query->finish();
    setError(error, {});
    return result;
}

std::optional<RunRecord> RunJournal::run(qint64 runId, DbError *error)
{
    DbError failure;
    QSqlQuery *query = m_db.prepared(
        u"SELECT "_s + RunColumns + u" FROM \"pipedrive_sync_runs\" WHERE \"id\" = ?"_s, &failure);
    if (!query) {
        setError(error, failure);
        return std::nullopt;
    }
    query->bindValue(0, runId);
    if (!m_db.exec(*query, &failure)) {
        setError(error, failure);
        return std::nullopt;
    }
    std::optional<RunRecord> result;
    if (query->next())
        result = readRun(*query);
    query->finish();
    setError(error, {});
    return result;
}

QJsonObject RunJournal::checkpoint(const QString &entity, DbError *error)
{
    DbError failure;
    QSqlQuery *query = m_db.prepared(
        u"SELECT \"checkpoint\" FROM \"pipedrive_sync_state\" WHERE \"entity\" = ?"_s, &failure);
    if (!query) {
        setError(error, failure);
        return {};
    }
    query->bindValue(0, entity);
    if (!m_db.exec(*query, &failure)) {
        setError(error, failure);
        return {};
    }
    QJsonObject result;
    if (query->next() && !query->isNull(0))
        result = QJsonDocument::fromJson(query->value(0).toString().toUtf8()).object();
    query->finish();
    setError(error, {});
    return result;
}

DbError RunJournal::setCheckpoint(const QString &entity, const QJsonObject &checkpoint)
{
    DbError error;
    // Upsert: SQLite (3.24+) and PostgreSQL (9.5+) share this syntax.
    QSqlQuery *query = m_db.prepared(
        u"INSERT INTO \"pipedrive_sync_state\" (\"entity\", \"checkpoint\", \"updated_at\") "
        "VALUES (?, ?, ?) ON CONFLICT (\"entity\") DO UPDATE SET \"checkpoint\" = "
        "excluded.\"checkpoint\", \"updated_at\" = excluded.\"updated_at\""_s,
        &error);
    if (!query)
        return error;
    const QString json = checkpoint.isEmpty()
        ? QString()
        : QString::fromUtf8(QJsonDocument(checkpoint).toJson(QJsonDocument::Compact));
    query->bindValue(0, entity);
    query->bindValue(1, nullableText(json));
    query->bindValue(2, now());
    m_db.exec(*query, &error);
    return error;
}

QString RunJournal::highWaterMark(const QString &entity, DbError *error)
{
    DbError failure;
    QSqlQuery *query = m_db.prepared(
        u"SELECT \"high_water_mark\" FROM \"pipedrive_sync_state\" WHERE \"entity\" = ?"_s,
        &failure);
    if (!query) {
        setError(error, failure);
        return {};
    }
    query->bindValue(0, entity);
    if (!m_db.exec(*query, &failure)) {
        setError(error, failure);
        return {};
    }
    QString mark;
    if (query->next())
        mark = query->value(0).toString();
    query->finish();
    setError(error, {});
    return mark;
}

DbError RunJournal::setHighWaterMark(const QString &entity, const QString &mark)
{
    DbError error;
    QSqlQuery *query = m_db.prepared(
        u"INSERT INTO \"pipedrive_sync_state\" (\"entity\", \"high_water_mark\", \"updated_at\") "
        "VALUES (?, ?, ?) ON CONFLICT (\"entity\") DO UPDATE SET \"high_water_mark\" = "
        "excluded.\"high_water_mark\", \"updated_at\" = excluded.\"updated_at\""_s,
        &error);
    if (!query)
        return error;
    query->bindValue(0, entity);
    query->bindValue(1, nullableText(mark));
    query->bindValue(2, now());
    m_db.exec(*query, &error);
    return error;
}

} // namespace pds
