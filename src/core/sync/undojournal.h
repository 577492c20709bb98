#pragma once

#include "sync/crmstore.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace pds {

// The undo journal (SPEC §3 "undo journal"): hears of every change a sync makes to the CRM
// through CrmStore and writes it to pipedrive_sync_changes, in order, with what is needed to take
// it back: nothing for an inserted row (it is deleted), the old values of the changed columns of
// an updated row, the whole row before a delete, the old mapping row. Before a run's first
// change it also keeps the entity's high-water mark, which an undo moves back.
//
// The entity runs of one engine invocation form a sync (sync_id = the first run's id): an undo
// takes back a whole sync, as the user started it.
//
// Changes are collected per page and written by flush() inside the page's transaction, a few
// multi-row INSERTs per page instead of one statement per change. The engine tells the journal
// when a record's savepoint or the page is rolled back.
class UndoJournal : public ChangeJournal
{
public:
    explicit UndoJournal(Database &db);

    // The changes from here on belong to this entity run; the first run names the sync.
    void beginRun(qint64 runId, const QString &entity);
    qint64 syncId() const { return m_syncId; }

    DbError rowInserted(const QString &table, qint64 id) override;
    DbError rowUpdating(const QString &table, qint64 id, const QVariantMap &before) override;
    DbError rowDeleting(const QString &table, qint64 id) override;
    // A new mapping of the row just inserted rides on that row's "insert" change (one journal
    // row per created record instead of two: the journal was a sixth of a full sync's time).
    DbError mappingSetting(
        const QString &type, qint64 pipedriveId, qint64 railsId, qint64 previousRailsId) override;
    DbError mappingRemoving(const QString &type, qint64 pipedriveId) override;

    // For the engine's transactions: mark() before a record, rollbackTo(mark) when its savepoint
    // was rolled back, flush() at the end of each page, committed() once its transaction is,
    // rolledBack() when the transaction was rolled back (what it flushed went with it).
    qsizetype mark() const { return m_pending.size(); }
    void rollbackTo(qsizetype mark);
    DbError flush();
    void committed();
    void rolledBack();

private:
    struct Change
    {
        QString op;
        QString table;
        qint64 rowId = -1; // -1: none (mappings, state)
        QString mappingType;
        qint64 pipedriveId = -1;
        QString before; // JSON, empty: none
    };

    DbError add(Change change);
    // The changes as written: a run of rows inserted into one table with consecutive ids (and
    // their new mappings) as one insert change, its last id and mapped Pipedrive ids in
    // old_values. A full sync writes one journal row per page and table instead of one per
    // record (the journal rows were 30% of the sync thread's instructions).
    static QList<Change> compacted(const QList<Change> &changes);
    DbError readMapping(const QString &type, qint64 pipedriveId, QString *json);

    Database &m_db;
    qint64 m_syncId = 0;
    qint64 m_runId = 0;
    QString m_entity;
    bool m_stateWritten = false; // the run's high-water mark is in the journal
    bool m_stateUncommitted = false; // ... in a transaction not committed yet
    qsizetype m_statePending = -1; // index of the pending state change, -1: none
    QList<Change> m_pending;
};

// Whether the CRM row was inserted by a sync (the undo journal says so, and no undo took it back):
// the rows that the deletion policy "delete" may remove. Rows the CRM had before, or that a
// version without the journal wrote, are never removed.
bool createdBySync(Database &db, const QString &table, qint64 id, DbError *error);

// The newest run that changed something that can still be undone; 0 when there is none.
qint64 lastUndoableRun(Database &db, DbError *error);

// What undoRun() did, or why it did nothing.
struct UndoResult
{
    bool undone = false;
    qint64 syncId = 0; // the sync taken back (its first run's id)
    QList<qint64> runIds; // its entity runs that had changes
    QStringList entities;
    qint64 rowsRemoved = 0; // rows the sync had inserted
    qint64 rowsRestored = 0; // rows it had changed, back to their old values
    qint64 rowsReinserted = 0; // rows it had deleted, back again
    QList<qint64> undoRunIds; // the run history rows that record the undo
    qint64 blockingRunId = 0; // refused: the later run that changed the same rows
    bool possible = false; // previewUndo(): undoRun() would do it
    QString message; // in words: what was done, or why not
    DbError error; // a database failure (the database is unchanged then)
};

// Brings the CRM back to its state before the sync that `runId` belongs to (any of its entity
// runs): deletes the rows it inserted, restores the rows and mappings it changed or deleted, moves
// the high-water marks back and clears the checkpoints of its entities (the next sync reads those
// records again), and records the undo in the run history. One transaction: all or nothing.
// Refused, saying why, when a later run changed the same rows or refers to rows the sync created
// (undo that one first). Needs the app tables (SchemaManager::ensureSchema).
UndoResult undoRun(Database &db, qint64 runId);

// What undoRun(db, runId) would take back (syncId, runIds, entities; `possible`), or why it would
// refuse (message, blockingRunId), without changing anything: for a confirmation that says what
// will happen.
UndoResult previewUndo(Database &db, qint64 runId);

} // namespace pds
