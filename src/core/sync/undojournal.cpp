#include "undojournal.h"

#include "db/runjournal.h"
#include "db/schemamanager.h"
#include "logging.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QSqlQuery>

#include <charconv>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

constexpr qsizetype FlushChunk = 50; // rows per INSERT: 500 bound values, within every limit
constexpr int UndoBatch = 500; // changes read at a time while undoing
// Rows at most in one journal row of inserted rows (UndoJournal::flush()). An undo numbers the
// rows it expands from journal row `id` as id * RunSpan + k, so it must stay below RunSpan.
constexpr qsizetype MaxRun = 1000;
constexpr qint64 RunSpan = 1024;

// The CRM tables whose rows the journal may delete, update or insert again; nothing else is
// ever named in the SQL an undo builds.
const QStringList &crmTables()
{
    static const QStringList tables = { u"users"_s, u"accounts"_s, u"contacts"_s, u"leads"_s,
        u"opportunities"_s, u"tasks"_s, u"notes"_s, u"note_associations"_s };
    return tables;
}

// pipedrive_mappings.pipedrive_type -> the table its rails_id points into.
const QList<QPair<QString, QString>> &mappingTables()
{
    static const QList<QPair<QString, QString>> list = { { u"User"_s, u"users"_s },
        { u"Organization"_s, u"accounts"_s }, { u"Contact"_s, u"contacts"_s },
        { u"Lead"_s, u"leads"_s }, { u"Opportunity"_s, u"opportunities"_s },
        { u"Task"_s, u"tasks"_s }, { u"Note"_s, u"notes"_s } };
    return list;
}

QString now()
{
    return Database::formatTimestamp(QDateTime::currentDateTimeUtc());
}

// A stored value as JSON that gives back the same value of the same kind: "i" integer, "r" real
// (17 digits: exact), "x" bytes (hex), "s" text. PostgreSQL values are read as text (CAST): its
// driver's QDateTime drops microseconds and its doubles round numerics.
QJsonValue encodeValue(const QVariant &value)
{
    if (value.isNull())
        return QJsonValue(QJsonValue::Null);
    switch (value.metaType().id()) {
    case QMetaType::Bool:
        return u"i"_s + (value.toBool() ? u"1"_s : u"0"_s);
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
        return u"i"_s + QString::number(value.toLongLong());
    case QMetaType::Double:
    case QMetaType::Float:
        return u"r"_s + QString::number(value.toDouble(), 'g', 17);
    case QMetaType::QByteArray:
        return u"x"_s + QString::fromLatin1(value.toByteArray().toHex());
    case QMetaType::QDateTime:
        return u"s"_s + Database::formatTimestamp(value.toDateTime());
    case QMetaType::QDate:
        return u"s"_s + value.toDate().toString(Qt::ISODate);
    default:
        return u"s"_s + value.toString();
    }
}

QVariant decodeValue(const QJsonValue &value)
{
    if (!value.isString())
        return QVariant();
    const QString text = value.toString();
    const QStringView rest = QStringView(text).mid(1);
    switch (text.isEmpty() ? u's' : text.at(0).unicode()) {
    case u'i':
        return rest.toLongLong();
    case u'r':
        return rest.toDouble();
    case u'x':
        return QByteArray::fromHex(rest.toLatin1());
    default:
        return rest.toString();
    }
}

QString encodeRow(const QVariantMap &row)
{
    QJsonObject object;
    for (auto it = row.cbegin(); it != row.cend(); ++it)
        object.insert(it.key(), encodeValue(it.value()));
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// Column -> value, in column order (QVariantMap sorts by name, which is all SQL needs here).
QVariantMap decodeRow(const QString &json)
{
    QVariantMap row;
    const QJsonObject object = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        row.insert(it.key(), decodeValue(it.value()));
    return row;
}

// The columns of one row as the journal keeps them; empty when the row does not exist.
std::optional<QVariantMap> readForUndo(
    Database &db, const QString &table, qint64 id, const QStringList &columns, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    QStringList select;
    for (const QString &column : columns) {
        Q_ASSERT(Database::isPlainIdentifier(column));
        select << (db.isPostgres() ? u"CAST(%1 AS TEXT)"_s.arg(column) : column);
    }
    QSqlQuery *q = db.run(
        u"SELECT %1 FROM %2 WHERE id = ?"_s.arg(select.join(u", "_s), table), { id }, error);
    if (!q)
        return std::nullopt;
    QVariantMap row;
    if (q->next()) {
        for (qsizetype i = 0; i < columns.size(); ++i)
            row.insert(columns.at(i), q->value(int(i)));
    }
    q->finish();
    return row;
}

} // namespace

// ---- UndoJournal --------------------------------------------------------------------------------

UndoJournal::UndoJournal(Database &db)
    : m_db(db)
{ }

void UndoJournal::beginRun(qint64 runId, const QString &entity)
{
    if (m_syncId <= 0)
        m_syncId = runId;
    if (runId != m_runId) {
        // A pass tried again after a reconnect keeps its run, and what it already wrote.
        m_stateWritten = false;
        m_stateUncommitted = false;
        m_statePending = -1;
        m_pending.clear();
    }
    m_runId = runId;
    m_entity = entity;
}

DbError UndoJournal::add(Change change)
{
    if (m_runId <= 0)
        return DbError::make(DbError::Kind::Other,
            u"Internal error: a CRM change outside of a sync run cannot be journaled."_s);
    // Before the run's first change: the entity's high-water mark, which an undo moves back so
    // that the next sync reads the undone records again.
    if (!m_stateWritten && m_statePending < 0) {
        DbError error;
        QSqlQuery *q
            = m_db.run(u"SELECT high_water_mark FROM pipedrive_sync_state WHERE entity = ?"_s,
                { m_entity }, &error);
        if (!q)
            return error;
        QJsonObject state { { u"high_water_mark"_s, QJsonValue(QJsonValue::Null) } };
        if (q->next() && !q->value(0).isNull())
            state.insert(u"high_water_mark"_s, q->value(0).toString());
        q->finish();
        Change mark;
        mark.op = u"state"_s;
        mark.table = u"pipedrive_sync_state"_s;
        mark.before = QString::fromUtf8(QJsonDocument(state).toJson(QJsonDocument::Compact));
        m_statePending = m_pending.size();
        m_pending.append(mark);
    }
    m_pending.append(std::move(change));
    return {};
}

DbError UndoJournal::rowInserted(const QString &table, qint64 id)
{
    return add({ u"insert"_s, table, id, {}, -1, {} });
}

DbError UndoJournal::rowUpdating(const QString &table, qint64 id, const QVariantMap &before)
{
    // Read again rather than trusting `before`: the values must come back exactly as stored.
    DbError error;
    const std::optional<QVariantMap> stored = readForUndo(m_db, table, id, before.keys(), &error);
    if (!stored)
        return error;
    if (stored->isEmpty())
        return {}; // no such row: the UPDATE changes nothing either
    return add({ u"update"_s, table, id, {}, -1, encodeRow(*stored) });
}

DbError UndoJournal::rowDeleting(const QString &table, qint64 id)
{
    DbError error;
    const QStringList columns = SchemaManager::columns(m_db, table, &error);
    if (error.isError())
        return error;
    const std::optional<QVariantMap> stored = readForUndo(m_db, table, id, columns, &error);
    if (!stored)
        return error;
    if (stored->isEmpty())
        return {};
    return add({ u"delete"_s, table, id, {}, -1, encodeRow(*stored) });
}

DbError UndoJournal::readMapping(const QString &type, qint64 pipedriveId, QString *json)
{
    DbError error;
    const QStringList columns
        = { u"id"_s, u"rails_id"_s, u"created_at"_s, u"updated_at"_s, u"pipedrive_type"_s };
    QStringList select;
    for (const QString &column : columns)
        select << (m_db.isPostgres() ? u"CAST(%1 AS TEXT)"_s.arg(column) : column);
    QSqlQuery *q = m_db.run(
        u"SELECT %1 FROM pipedrive_mappings WHERE pipedrive_type = ? AND pipedrive_id = ?"_s.arg(
            select.join(u", "_s)),
        { type, pipedriveId }, &error);
    if (!q)
        return error;
    json->clear();
    if (q->next()) {
        QVariantMap row;
        for (qsizetype i = 0; i < columns.size(); ++i)
            row.insert(columns.at(i), q->value(int(i)));
        row.insert(u"pipedrive_id"_s, pipedriveId);
        *json = encodeRow(row);
    }
    q->finish();
    return error;
}

DbError UndoJournal::mappingSetting(
    const QString &type, qint64 pipedriveId, qint64 railsId, qint64 previousRailsId)
{
    if (previousRailsId < 0 && !m_pending.isEmpty()) {
        Change &last = m_pending.last();
        if (last.op == u"insert" && last.rowId == railsId && last.mappingType.isEmpty()
            && mappingTables().contains({ type, last.table })) {
            last.mappingType = type;
            last.pipedriveId = pipedriveId;
            return {};
        }
    }
    QString before;
    if (previousRailsId >= 0) {
        const DbError error = readMapping(type, pipedriveId, &before);
        if (error.isError())
            return error;
    }
    return add({ u"map_set"_s, u"pipedrive_mappings"_s, -1, type, pipedriveId, before });
}

DbError UndoJournal::mappingRemoving(const QString &type, qint64 pipedriveId)
{
    QString before;
    const DbError error = readMapping(type, pipedriveId, &before);
    if (error.isError())
        return error;
    if (before.isEmpty())
        return {};
    return add({ u"map_remove"_s, u"pipedrive_mappings"_s, -1, type, pipedriveId, before });
}

void UndoJournal::rollbackTo(qsizetype mark)
{
    if (mark < m_pending.size())
        m_pending.resize(mark);
    if (m_statePending >= mark)
        m_statePending = -1;
}

void UndoJournal::committed()
{
    m_stateUncommitted = false;
}

void UndoJournal::rolledBack()
{
    m_pending.clear();
    m_statePending = -1;
    // The mark flushed in the transaction went with it: journaled again with the next change.
    if (m_stateUncommitted)
        m_stateWritten = false;
    m_stateUncommitted = false;
}

QList<UndoJournal::Change> UndoJournal::compacted(const QList<Change> &changes)
{
    // Within each stretch of inserts (never across another kind of change, so that an undo keeps
    // their order to it), the rows of one table with one kind of new mapping, in the order they
    // came, cut where the ids stop counting up by one. The groups keep the place of their first
    // row: a row that refers to another one inserted in the same stretch (a note's association
    // to its note) comes after it, and the undo, newest first, takes it back before.
    QList<Change> result;
    result.reserve(changes.size());
    const auto isInsert = [](const Change &c) {
        return c.op == u"insert";
    };
    for (auto it = changes.cbegin(); it != changes.cend();) {
        if (!isInsert(*it)) {
            result.append(*it++);
            continue;
        }
        const auto end = std::find_if_not(it, changes.cend(), isInsert);
        std::vector<std::vector<const Change *>> groups;
        for (auto c = it; c != end; ++c) {
            auto group = std::find_if(groups.begin(), groups.end(), [&](const auto &g) {
                return g.front()->table == c->table && g.front()->mappingType == c->mappingType;
            });
            if (group == groups.end())
                groups.push_back({ &*c });
            else
                group->push_back(&*c);
        }
        for (const std::vector<const Change *> &group : groups) {
            for (std::size_t first = 0, next = 0; first < group.size(); first = next) {
                next = first + 1;
                while (next < group.size() && next - first < std::size_t(MaxRun)
                    && group[next]->rowId == group[next - 1]->rowId + 1)
                    ++next;
                if (next - first == 1) {
                    result.append(*group[first]);
                    continue;
                }
                // {"through": last id, "pipedrive_ids": [...]} (the ids of the new mappings),
                // written as Latin-1 digits into one buffer (a string per id was most of this).
                Change run = *group[first];
                run.pipedriveId = -1;
                QByteArray text;
                text.reserve(40 + qsizetype(next - first) * 12);
                const auto appendNumber = [&text](qint64 number) {
                    char digits[24];
                    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
                    text.append(digits, end - digits);
                };
                text.append("{\"through\":");
                appendNumber(group[next - 1]->rowId);
                if (!run.mappingType.isEmpty()) {
                    text.append(",\"pipedrive_ids\":[");
                    for (std::size_t i = first; i < next; ++i) {
                        if (i > first)
                            text.append(',');
                        appendNumber(group[i]->pipedriveId);
                    }
                    text.append(']');
                }
                text.append('}');
                run.before = QString::fromLatin1(text);
                result.append(std::move(run));
            }
        }
        it = end;
    }
    return result;
}

DbError UndoJournal::flush()
{
    const QString createdAt = now();
    const QVariant none(QMetaType::fromType<QString>());
    const QVariant noId(QMetaType::fromType<qint64>());
    const QList<Change> changes = compacted(m_pending);
    DbError error;
    qsizetype count = 0;
    for (qsizetype start = 0; start < changes.size(); start += count) {
        count = Database::statementRows(changes.size() - start, FlushChunk);
        QString sql = u"INSERT INTO pipedrive_sync_changes (sync_id, run_id, entity, op, "
                      "table_name, row_id, mapping_type, pipedrive_id, old_values, created_at) "
                      "VALUES "_s;
        QVariantList values;
        values.reserve(count * 10);
        for (qsizetype i = 0; i < count; ++i) {
            const Change &change = changes.at(start + i);
            if (i > 0)
                sql += u", "_s;
            sql += u"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s;
            values << m_syncId << m_runId << m_entity << change.op << change.table
                   << (change.rowId >= 0 ? QVariant(change.rowId) : noId)
                   << (change.mappingType.isEmpty() ? none : QVariant(change.mappingType))
                   << (change.pipedriveId >= 0 ? QVariant(change.pipedriveId) : noId)
                   << (change.before.isEmpty() ? none : QVariant(change.before)) << createdAt;
        }
        if (!m_db.execWrite(sql, values, &error))
            return error;
    }
    if (m_statePending >= 0) {
        m_stateWritten = true;
        m_stateUncommitted = true;
    }
    m_statePending = -1;
    m_pending.clear();
    return error;
}

// ---- Queries
// -------------------------------------------------------------------------------------

namespace {

// The old_values of a run of inserted rows (UndoJournal::compacted()): its last id (-1 when
// `before` is not a run) and the Pipedrive ids of its new mappings.
struct RunPayload
{
    qint64 through = -1;
    QJsonArray pipedriveIds;
};

RunPayload readRun(const QString &before)
{
    if (before.isEmpty())
        return {};
    const QJsonObject payload = QJsonDocument::fromJson(before.toUtf8()).object();
    const QJsonValue through = payload.value("through"_L1);
    return { through.isDouble() ? qint64(through.toDouble()) : -1,
        payload.value("pipedrive_ids"_L1).toArray() };
}

} // namespace

bool createdBySync(Database &db, const QString &table, qint64 id, DbError *error)
{
    // The row's own insert change, or a run that starts at most MaxRun - 1 ids before it.
    QSqlQuery *q = db.run(
        u"SELECT row_id, old_values FROM pipedrive_sync_changes WHERE table_name = ? AND op = "
        "'insert' AND row_id <= ? AND row_id > ? AND (row_id = ? OR old_values IS NOT NULL)"_s,
        { table, id, id - MaxRun, id }, error);
    if (!q)
        return false;
    bool found = false;
    while (!found && q->next())
        found = q->value(0).toLongLong() == id || readRun(q->value(1).toString()).through >= id;
    q->finish();
    return found;
}

qint64 lastUndoableRun(Database &db, DbError *error)
{
    QSqlQuery *q = db.run(
        u"SELECT run_id FROM pipedrive_sync_changes WHERE op <> 'state' ORDER BY id DESC LIMIT 1"_s,
        {}, error);
    if (!q)
        return 0;
    const qint64 run = q->next() ? q->value(0).toLongLong() : 0;
    q->finish();
    return run;
}

// ---- Undo
// ----------------------------------------------------------------------------------------

namespace {

// A run as the user reads it in messages: "run 23 (persons, started 2026-03-01 10:00 UTC)".
QString describeRun(Database &db, qint64 runId)
{
    RunJournal journal(db);
    const std::optional<RunRecord> run = journal.run(runId);
    if (!run)
        return QCoreApplication::translate("pds::UndoJournal", "run %1").arg(runId);
    return QCoreApplication::translate("pds::UndoJournal", "run %1 (%2, started %3 UTC)")
        .arg(runId)
        .arg(run->entity, run->startedAt.toUTC().toString(u"yyyy-MM-dd HH:mm:ss"_s));
}

QString rowName(const QString &table, qint64 id)
{
    return u"%1 row %2"_s.arg(table).arg(id);
}

// A row of another table that refers to rows of `target` (foreign keys, and the polymorphic
// note_associations), which an undo must not leave pointing at nothing.
struct Reference
{
    QString table;
    QString column;
    QString target;
    QString notableType; // note_associations.notable_type, "" for plain foreign keys
};

const QList<Reference> &references()
{
    static const QList<Reference> list = {
        { u"tasks"_s, u"assignee_id"_s, u"users"_s, {} },
        { u"leads"_s, u"assigned_to_id"_s, u"users"_s, {} },
        { u"notes"_s, u"user_id"_s, u"users"_s, {} },
        // The CRM's own activities (the sync never writes them) may refer to what it created.
        { u"activities"_s, u"user_id"_s, u"users"_s, {} },
        { u"activities"_s, u"contact_id"_s, u"contacts"_s, {} },
        { u"note_associations"_s, u"note_id"_s, u"notes"_s, {} },
        { u"note_associations"_s, u"notable_id"_s, u"contacts"_s, u"Contact"_s },
        { u"note_associations"_s, u"notable_id"_s, u"leads"_s, u"Lead"_s },
        { u"note_associations"_s, u"notable_id"_s, u"opportunities"_s, u"Opportunity"_s },
        { u"note_associations"_s, u"notable_id"_s, u"accounts"_s, u"Account"_s },
    };
    return list;
}

class Undoer
{
public:
    Undoer(Database &db, UndoResult &result)
        : m_db(db)
        , m_result(result)
    { }

    bool findSync(qint64 runId);
    bool checkLaterChanges();
    bool checkReferences();
    bool apply();
    bool restoreState();
    bool record();

private:
    QSqlQuery *query(const QString &sql, const QVariantList &values)
    {
        return m_db.run(sql, values, &m_result.error);
    }
    // The newest run of another sync that wrote to the row, 0 if none did.
    qint64 laterWriter(const QString &sql, const QVariantList &values);
    // Fills UndoChanges with the journal from the sync's first change on (all an undo compares
    // with: later changes are newer), each run of inserted rows expanded to a row each.
    bool prepareChanges();
    bool refuse(qint64 blockingRun, const QString &why);
    bool applyChange(qint64 runId, const QString &op, const QString &table, qint64 rowId,
        const QString &mappingType, qint64 pipedriveId, const QString &before);

    Database &m_db;
    UndoResult &m_result;
    qint64 m_runId = 0; // the run the user named
    QMap<qint64, QString> m_runEntities; // run id -> entity, of the runs with changes
    QMap<qint64, RunCounts> m_counts; // per run: what the undo did
    QMap<QString, QString> m_marks; // entity -> its high-water mark before the sync ("" = none)
};

bool Undoer::refuse(qint64 blockingRun, const QString &why)
{
    m_result.blockingRunId = blockingRun;
    m_result.message
        = QCoreApplication::translate("pds::UndoJournal", "Run %1 cannot be undone: %2")
              .arg(m_runId)
              .arg(why);
    return false;
}

bool Undoer::prepareChanges()
{
    // pds_undo_changes: the journal as the undo's queries read it. A TEMP table of the
    // connection, emptied rather than dropped: statements prepared on it stay valid.
    const QString table = u"pds_undo_changes"_s;
    const QStringList setUp = {
        u"CREATE TEMP TABLE IF NOT EXISTS %1 (id bigint, sync_id bigint, run_id bigint, entity "
        "text, op text, table_name text, row_id bigint, mapping_type text, pipedrive_id bigint, "
        "old_values text)"_s,
        u"CREATE INDEX IF NOT EXISTS %1_on_sync_id ON %1 (sync_id)"_s,
        u"CREATE INDEX IF NOT EXISTS %1_on_run_id ON %1 (run_id)"_s,
        u"CREATE INDEX IF NOT EXISTS %1_on_row ON %1 (table_name, row_id)"_s,
        u"CREATE INDEX IF NOT EXISTS %1_on_mapping ON %1 (mapping_type, pipedrive_id)"_s,
        u"DELETE FROM %1"_s,
    };
    for (const QString &statement : setUp) {
        if (!m_db.exec(statement.arg(table), &m_result.error))
            return false;
    }
    qint64 first = 0;
    QSqlQuery *q = query(
        u"SELECT MIN(id) FROM pipedrive_sync_changes WHERE sync_id = ?"_s, { m_result.syncId });
    if (!q)
        return false;
    if (q->next())
        first = q->value(0).toLongLong();
    q->finish();
    // Single changes as they are; each keeps its journal id times RunSpan.
    q = query(u"INSERT INTO %1 (id, sync_id, run_id, entity, op, table_name, row_id, "
              "mapping_type, pipedrive_id, old_values) SELECT id * %2, sync_id, run_id, entity, "
              "op, table_name, row_id, mapping_type, pipedrive_id, old_values FROM "
              "pipedrive_sync_changes WHERE id >= ? AND NOT (op = 'insert' AND old_values IS NOT "
              "NULL)"_s.arg(table)
                  .arg(RunSpan),
        { first });
    if (!q)
        return false;
    q->finish();
    // Runs of inserted rows: a row each, numbered on from their journal row's id.
    struct Run
    {
        qint64 id, syncId, runId, rowId;
        QString entity, table, mappingType, before;
    };
    QList<Run> runs;
    q = query(u"SELECT id, sync_id, run_id, entity, table_name, row_id, mapping_type, old_values "
              "FROM pipedrive_sync_changes WHERE id >= ? AND op = 'insert' AND old_values IS NOT "
              "NULL ORDER BY id"_s,
        { first });
    if (!q)
        return false;
    while (q->next()) {
        runs.append({ q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toLongLong(),
            q->value(5).toLongLong(), q->value(3).toString(), q->value(4).toString(),
            q->isNull(6) ? QString() : q->value(6).toString(), q->value(7).toString() });
    }
    q->finish();
    const QVariant none(QMetaType::fromType<QString>());
    const QVariant noId(QMetaType::fromType<qint64>());
    QVariantList values;
    qsizetype rows = 0;
    const auto write = [&] {
        if (rows == 0)
            return true;
        QStringList marks(rows, u"(?, ?, ?, ?, 'insert', ?, ?, ?, ?, NULL)"_s);
        const bool written
            = m_db.execWrite(u"INSERT INTO %1 (id, sync_id, run_id, entity, op, "
                             "table_name, row_id, mapping_type, pipedrive_id, "
                             "old_values) VALUES %2"_s.arg(table, marks.join(u", "_s)),
                values, &m_result.error);
        values.clear();
        rows = 0;
        return written;
    };
    for (const Run &run : std::as_const(runs)) {
        const auto [through, pipedriveIds] = readRun(run.before);
        if (through < run.rowId || through - run.rowId >= MaxRun
            || (!run.mappingType.isEmpty() && pipedriveIds.size() != through - run.rowId + 1)) {
            m_result.error = DbError::make(DbError::Kind::Other,
                u"The undo journal holds a run of inserted rows it cannot read (change %1): "
                "nothing was undone."_s.arg(run.id));
            return false;
        }
        for (qint64 k = 0; k <= through - run.rowId; ++k) {
            values << run.id * RunSpan + k << run.syncId << run.runId << run.entity << run.table
                   << run.rowId + k
                   << (run.mappingType.isEmpty() ? none : QVariant(run.mappingType))
                   << (run.mappingType.isEmpty() ? noId
                                                 : QVariant(qint64(pipedriveIds.at(k).toDouble())));
            if (++rows == FlushChunk && !write())
                return false;
        }
    }
    return write();
}

bool Undoer::findSync(qint64 runId)
{
    m_runId = runId;
    QSqlQuery *q = query(
        u"SELECT sync_id FROM pipedrive_sync_changes WHERE run_id = ? LIMIT 1"_s, { runId });
    if (!q)
        return false;
    if (q->next())
        m_result.syncId = q->value(0).toLongLong();
    q->finish();
    if (m_result.syncId <= 0) {
        RunJournal journal(m_db);
        const std::optional<RunRecord> run = journal.run(runId, &m_result.error);
        if (m_result.error.isError())
            return false;
        const char *why = !run ? QT_TRANSLATE_NOOP("pds::UndoJournal", "there is no such run.")
            : run->dryRun
            ? QT_TRANSLATE_NOOP("pds::UndoJournal", "it was a dry run, which changes nothing.")
            : run->mode == u"undo" ? QT_TRANSLATE_NOOP("pds::UndoJournal", "it is an undo itself.")
                                   : QT_TRANSLATE_NOOP("pds::UndoJournal",
                                       "it changed nothing in the CRM, or it was undone already.");
        return refuse(0, QCoreApplication::translate("pds::UndoJournal", why));
    }
    if (!prepareChanges())
        return false;
    q = query(u"SELECT c.run_id, c.entity FROM pds_undo_changes c WHERE c.sync_id = ? AND "
              "c.op <> 'state' GROUP BY c.run_id, c.entity ORDER BY c.run_id"_s,
        { m_result.syncId });
    if (!q)
        return false;
    while (q->next()) {
        m_runEntities.insert(q->value(0).toLongLong(), q->value(1).toString());
        m_result.runIds << q->value(0).toLongLong();
        m_result.entities << q->value(1).toString();
    }
    q->finish();
    return true;
}

qint64 Undoer::laterWriter(const QString &sql, const QVariantList &values)
{
    QSqlQuery *q = query(sql, values);
    if (!q)
        return 0;
    const qint64 run = q->next() ? q->value(0).toLongLong() : 0;
    q->finish();
    return run;
}

bool Undoer::checkLaterChanges()
{
    const qint64 sync = m_result.syncId;
    // A row or mapping this sync changed that another sync changed after it: the old values
    // would overwrite the later ones.
    QSqlQuery *q = query(
        u"SELECT l.run_id, l.table_name, l.row_id FROM pds_undo_changes c JOIN "
        "pds_undo_changes l ON l.table_name = c.table_name AND l.row_id = c.row_id AND "
        "l.id > c.id AND l.sync_id <> c.sync_id WHERE c.sync_id = ? AND c.row_id IS NOT NULL "
        "ORDER BY l.id LIMIT 1"_s,
        { sync });
    if (!q)
        return false;
    if (q->next()) {
        const qint64 run = q->value(0).toLongLong();
        const QString row = rowName(q->value(1).toString(), q->value(2).toLongLong());
        q->finish();
        return refuse(run,
            QCoreApplication::translate(
                "pds::UndoJournal", "%1 changed the same rows later (%2). Undo run %3 first.")
                .arg(describeRun(m_db, run), row)
                .arg(run));
    }
    q->finish();
    q = query(u"SELECT l.run_id, l.mapping_type, l.pipedrive_id FROM pds_undo_changes c "
              "JOIN pds_undo_changes l ON l.mapping_type = c.mapping_type AND "
              "l.pipedrive_id = c.pipedrive_id AND l.id > c.id AND l.sync_id <> c.sync_id WHERE "
              "c.sync_id = ? AND c.mapping_type IS NOT NULL ORDER BY l.id LIMIT 1"_s,
        { sync });
    if (!q)
        return false;
    if (q->next()) {
        const qint64 run = q->value(0).toLongLong();
        const QString mapping
            = u"%1 #%2"_s.arg(q->value(1).toString()).arg(q->value(2).toLongLong());
        q->finish();
        return refuse(run,
            QCoreApplication::translate("pds::UndoJournal",
                "%1 changed the same mappings later (Pipedrive %2). Undo run %3 first.")
                .arg(describeRun(m_db, run), mapping)
                .arg(run));
    }
    q->finish();
    return true;
}

bool Undoer::checkReferences()
{
    const qint64 sync = m_result.syncId;
    const QStringList tables = SchemaManager::tables(m_db, &m_result.error);
    if (m_result.error.isError())
        return false;
    // Rows outside this sync that point at rows it inserted: deleting those would leave them
    // pointing at nothing. (Rows the sync inserted or changed itself go or get their old values.)
    for (const Reference &ref : references()) {
        if (!tables.contains(ref.table))
            continue;
        QString sql = u"SELECT r.id FROM %1 r WHERE r.%2 IN (SELECT c.row_id FROM "
                      "pds_undo_changes c WHERE c.sync_id = ? AND c.op = 'insert' AND "
                      "c.table_name = ?)"_s.arg(ref.table, ref.column);
        QVariantList values { sync, ref.target };
        if (!ref.notableType.isEmpty()) {
            sql += u" AND r.notable_type = ?"_s;
            values << ref.notableType;
        }
        sql += u" AND NOT EXISTS (SELECT 1 FROM pds_undo_changes d WHERE d.sync_id = ? AND "
               "d.op IN ('insert', 'update') AND d.table_name = ? AND d.row_id = r.id) ORDER BY "
               "r.id LIMIT 1"_s;
        values << sync << ref.table;
        QSqlQuery *q = query(sql, values);
        if (!q)
            return false;
        if (!q->next()) {
            q->finish();
            continue;
        }
        const qint64 id = q->value(0).toLongLong();
        q->finish();
        const qint64 run = laterWriter(
            u"SELECT run_id FROM pds_undo_changes WHERE table_name = ? AND row_id = ? AND "
            "sync_id <> ? ORDER BY id DESC LIMIT 1"_s,
            { ref.table, id, sync });
        if (m_result.error.isError())
            return false;
        if (run > 0)
            return refuse(run,
                QCoreApplication::translate("pds::UndoJournal",
                    "%1 wrote %2, which refers to a row this sync created. Undo run %3 first.")
                    .arg(describeRun(m_db, run), rowName(ref.table, id))
                    .arg(run));
        return refuse(0,
            QCoreApplication::translate("pds::UndoJournal",
                "%1 refers to a row this sync created, and it was written outside Pipedrive "
                "Sync (in the CRM).")
                .arg(rowName(ref.table, id)));
    }
    for (const auto &[type, table] : mappingTables()) {
        QSqlQuery *q = query(
            u"SELECT m.pipedrive_id FROM pipedrive_mappings m WHERE m.pipedrive_type = ? AND "
            "m.rails_id IN (SELECT c.row_id FROM pds_undo_changes c WHERE c.sync_id = ? AND "
            "c.op = 'insert' AND c.table_name = ?) AND NOT EXISTS (SELECT 1 FROM "
            "pds_undo_changes d WHERE d.sync_id = ? AND d.op IN ('map_set', 'insert') AND "
            "d.mapping_type = m.pipedrive_type AND d.pipedrive_id = m.pipedrive_id) ORDER BY "
            "m.pipedrive_id LIMIT 1"_s,
            { type, sync, table, sync });
        if (!q)
            return false;
        if (!q->next()) {
            q->finish();
            continue;
        }
        const qint64 pipedriveId = q->value(0).toLongLong();
        q->finish();
        const qint64 run = laterWriter(
            u"SELECT run_id FROM pds_undo_changes WHERE mapping_type = ? AND pipedrive_id = "
            "? AND sync_id <> ? ORDER BY id DESC LIMIT 1"_s,
            { type, pipedriveId, sync });
        if (m_result.error.isError())
            return false;
        const QString mapping = u"%1 #%2"_s.arg(type).arg(pipedriveId);
        if (run > 0)
            return refuse(run,
                QCoreApplication::translate("pds::UndoJournal",
                    "%1 mapped Pipedrive %2 to a row this sync created. Undo run %3 first.")
                    .arg(describeRun(m_db, run), mapping)
                    .arg(run));
        return refuse(0,
            QCoreApplication::translate("pds::UndoJournal",
                "the mapping of Pipedrive %1 points at a row this sync created, and it was "
                "written outside Pipedrive Sync.")
                .arg(mapping));
    }
    return true;
}

bool Undoer::applyChange(qint64 runId, const QString &op, const QString &table, qint64 rowId,
    const QString &mappingType, qint64 pipedriveId, const QString &before)
{
    RunCounts &counts = m_counts[runId];
    if (op == u"state") {
        // The earliest mark of the sync wins: the changes come newest first.
        m_marks.insert(m_runEntities.value(runId, QString()),
            QJsonDocument::fromJson(before.toUtf8())
                .object()
                .value(u"high_water_mark"_s)
                .toString());
        return true;
    }
    if (op == u"map_set" || op == u"map_remove") {
        const QVariantMap old = before.isEmpty() ? QVariantMap() : decodeRow(before);
        QSqlQuery *q = nullptr;
        if (op == u"map_set" && old.isEmpty()) {
            q = query(u"DELETE FROM pipedrive_mappings WHERE pipedrive_type = ? AND pipedrive_id "
                      "= ?"_s,
                { mappingType, pipedriveId });
        } else if (op == u"map_set") {
            q = query(u"UPDATE pipedrive_mappings SET rails_id = ?, updated_at = ? WHERE "
                      "pipedrive_type = ? AND pipedrive_id = ?"_s,
                { old.value(u"rails_id"_s), old.value(u"updated_at"_s), mappingType, pipedriveId });
        } else {
            q = query(u"INSERT INTO pipedrive_mappings (id, pipedrive_type, pipedrive_id, "
                      "rails_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"_s,
                { old.value(u"id"_s), mappingType, pipedriveId, old.value(u"rails_id"_s),
                    old.value(u"created_at"_s), old.value(u"updated_at"_s) });
        }
        if (!q)
            return false;
        q->finish();
        return true;
    }
    if (!crmTables().contains(table)) {
        m_result.error = DbError::make(DbError::Kind::Other,
            u"The undo journal names a table it never writes (%1): nothing was undone."_s.arg(
                table));
        return false;
    }
    QSqlQuery *q = nullptr;
    if (op == u"insert") {
        // The row's new mapping rides on its insert (see UndoJournal::mappingSetting).
        if (!mappingType.isEmpty()) {
            q = query(u"DELETE FROM pipedrive_mappings WHERE pipedrive_type = ? AND pipedrive_id "
                      "= ?"_s,
                { mappingType, pipedriveId });
            if (!q)
                return false;
            q->finish();
        }
        q = query(u"DELETE FROM %1 WHERE id = ?"_s.arg(table), { rowId });
        if (q && q->numRowsAffected() > 0) {
            ++counts.deleted;
            ++m_result.rowsRemoved;
        }
    } else if (op == u"update") {
        const QVariantMap old = decodeRow(before);
        QStringList sets;
        QVariantList values;
        for (auto it = old.cbegin(); it != old.cend(); ++it) {
            if (!Database::isPlainIdentifier(it.key()))
                continue;
            sets << it.key() + u" = ?"_s;
            values << it.value();
        }
        if (sets.isEmpty())
            return true;
        values << rowId;
        q = query(u"UPDATE %1 SET %2 WHERE id = ?"_s.arg(table, sets.join(u", "_s)), values);
        if (q) {
            ++counts.updated;
            ++m_result.rowsRestored;
        }
    } else if (op == u"delete") {
        const QVariantMap old = decodeRow(before);
        QStringList columns;
        QVariantList values;
        for (auto it = old.cbegin(); it != old.cend(); ++it) {
            if (!Database::isPlainIdentifier(it.key()))
                continue;
            columns << it.key();
            values << it.value();
        }
        q = query(u"INSERT INTO %1 (%2) VALUES (%3)"_s.arg(table, columns.join(u", "_s),
                      QStringList(columns.size(), u"?"_s).join(u", "_s)),
            values);
        if (q) {
            ++counts.created;
            ++m_result.rowsReinserted;
        }
    } else {
        return true;
    }
    if (!q)
        return false;
    q->finish();
    return true;
}

bool Undoer::apply()
{
    qint64 below = std::numeric_limits<qint64>::max();
    for (;;) {
        struct Row
        {
            qint64 id, runId, rowId, pipedriveId;
            QString op, table, mappingType, before;
        };
        QList<Row> rows;
        QSqlQuery *q = query(u"SELECT id, run_id, op, table_name, row_id, mapping_type, "
                             "pipedrive_id, old_values FROM pds_undo_changes WHERE sync_id = "
                             "? AND id < ? ORDER BY id DESC LIMIT ?"_s,
            { m_result.syncId, below, UndoBatch });
        if (!q)
            return false;
        while (q->next()) {
            rows.append({ q->value(0).toLongLong(), q->value(1).toLongLong(),
                q->isNull(4) ? -1 : q->value(4).toLongLong(),
                q->isNull(6) ? -1 : q->value(6).toLongLong(), q->value(2).toString(),
                q->value(3).toString(), q->value(5).toString(), q->value(7).toString() });
        }
        q->finish();
        if (rows.isEmpty())
            return true;
        for (const Row &row : std::as_const(rows)) {
            if (!applyChange(row.runId, row.op, row.table, row.rowId, row.mappingType,
                    row.pipedriveId, row.before))
                return false;
        }
        below = rows.constLast().id;
    }
}

bool Undoer::restoreState()
{
    RunJournal journal(m_db);
    for (auto it = m_marks.cbegin(); it != m_marks.cend(); ++it) {
        // Never forward: the records changed since the old mark must be read again. A later
        // sync may have moved the mark on; going back to the older one only re-reads more.
        const QString current = journal.highWaterMark(it.key(), &m_result.error);
        if (m_result.error.isError())
            return false;
        const QDateTime old = QDateTime::fromString(it.value(), Qt::ISODate);
        const QDateTime newer = QDateTime::fromString(current, Qt::ISODate);
        QString mark = it.value();
        if (!old.isValid() || !newer.isValid())
            mark = QString(); // no mark before, or none now: the next sync reads everything
        else if (newer < old)
            mark = current;
        m_result.error = journal.setHighWaterMark(it.key(), mark);
        // A pass that stopped half-way would resume past what was undone: start it over.
        if (m_result.error.isOk())
            m_result.error = journal.setCheckpoint(it.key(), {});
        if (m_result.error.isError())
            return false;
    }
    return true;
}

bool Undoer::record()
{
    QSqlQuery *q
        = query(u"DELETE FROM pipedrive_sync_changes WHERE sync_id = ?"_s, { m_result.syncId });
    if (!q)
        return false;
    q->finish();
    RunJournal journal(m_db);
    QStringList runs;
    for (qint64 id : std::as_const(m_result.runIds))
        runs << QString::number(id);
    for (auto it = m_runEntities.cbegin(); it != m_runEntities.cend(); ++it) {
        const qint64 undoId = journal.startRun(it.value(), u"undo"_s, false, &m_result.error);
        if (m_result.error.isError())
            return false;
        const RunCounts counts = m_counts.value(it.key());
        const QString message = QCoreApplication::translate("pds::UndoJournal",
            "Undid run %1 (the sync of runs %2): %3 rows removed, %4 restored, %5 put back.")
                                    .arg(it.key())
                                    .arg(runs.join(u", "_s))
                                    .arg(counts.deleted)
                                    .arg(counts.updated)
                                    .arg(counts.created);
        m_result.error = journal.finishRun(undoId, counts, u"succeeded"_s, message);
        if (m_result.error.isError())
            return false;
        m_result.undoRunIds << undoId;
    }
    return true;
}

} // namespace

UndoResult previewUndo(Database &db, qint64 runId)
{
    UndoResult result;
    Undoer undoer(db, result);
    result.possible
        = undoer.findSync(runId) && undoer.checkLaterChanges() && undoer.checkReferences();
    if (result.error.isError()) {
        result.possible = false;
        result.message
            = QCoreApplication::translate("pds::UndoJournal", "Run %1 cannot be undone now: %2")
                  .arg(runId)
                  .arg(result.error.message);
    }
    return result;
}

UndoResult undoRun(Database &db, qint64 runId)
{
    UndoResult result;
    Undoer undoer(db, result);
    // BEGIN first (SQLite takes the write lock): what the checks see stays true until the commit.
    result.error = db.beginTransaction();
    if (result.error.isError())
        return result;
    const bool done = undoer.findSync(runId) && undoer.checkLaterChanges()
        && undoer.checkReferences() && undoer.apply() && undoer.restoreState() && undoer.record();
    if (!done) {
        db.rollback();
        result.undoRunIds.clear();
        result.rowsRemoved = result.rowsRestored = result.rowsReinserted = 0;
        if (result.error.isError())
            result.message = QCoreApplication::translate(
                "pds::UndoJournal", "Run %1 was not undone: %2 Nothing was changed.")
                                 .arg(runId)
                                 .arg(result.error.message);
        return result;
    }
    result.error = db.commit();
    if (result.error.isError()) {
        db.rollback();
        result.undoRunIds.clear();
        result.message = QCoreApplication::translate(
            "pds::UndoJournal", "Run %1 was not undone: %2 Nothing was changed.")
                             .arg(runId)
                             .arg(result.error.message);
        return result;
    }
    result.undone = true;
    QStringList runs;
    for (qint64 id : std::as_const(result.runIds))
        runs << QString::number(id);
    result.message = QCoreApplication::translate("pds::UndoJournal",
        "Undid the sync of runs %1 (%2): %3 rows removed, %4 restored, %5 put back. The next "
        "sync reads these records from Pipedrive again.")
                         .arg(runs.join(u", "_s), result.entities.join(u", "_s))
                         .arg(result.rowsRemoved)
                         .arg(result.rowsRestored)
                         .arg(result.rowsReinserted);
    qCInfo(lcSync).noquote() << result.message;
    return result;
}

} // namespace pds
