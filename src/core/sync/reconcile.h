#pragma once

#include "sync/synccontext.h"

#include "mapping/json.h"

namespace pds {

class UndoJournal;

// Records deleted in Pipedrive (SPEC §4 "Deletions"). Deals say so themselves (status=deleted,
// listed for 30 days); persons, organizations, activities and notes simply vanish from the lists,
// so a full pass notes every id it lists (in pipedrive_sync_seen: bounded memory, and a resumed
// pass still knows what the killed one saw) and, once complete, treats each mapped record it did
// not see as deleted. Deals are reconciled the same way, for those purged after 30 days.
namespace reconcile {

// Whether a full pass over context.entity can tell deleted records by their absence: all but
// users, whom Pipedrive keeps listing (deactivated) and whose CRM rows are the CRM's business,
// and not through a saved Pipedrive filter (which lists only some records).
bool appliesTo(const SyncContext &context);

// Whether the CRM holds mappings of the entity's records at all: a pass that starts without any
// maps only what it lists, so it cannot find a record deleted (the first import of an account
// skips noting every id it saw). *error on failure.
bool hasMappings(Database &db, Entity entity, DbError *error);

// A full pass begins. A resumed one keeps the ids the interrupted one saw; a fresh one forgets
// any left over.
DbError beginPass(Database &db, Entity entity, bool resumed);
// The ids of one page of a full pass, in the page's transaction.
DbError recordSeen(Database &db, Entity entity, const json::Array &records);
// The full pass is complete: applies the deletion policy to every mapped record it did not see
// (counts and problems go to the context) and forgets the seen ids. A pass that listed nothing
// at all deletes nothing: an empty list is far more likely a wrong account than a wiped one.
// `undo` (none in a dry run) forgets the changes of a deletion the database refused.
DbError finishPass(SyncContext &context, UndoJournal *undo);

} // namespace reconcile

// A record of context.entity deleted in Pipedrive, by the deletion policy: "report" records a
// problem of kind "deleted" (the CRM row stays); "delete" removes the CRM rows this tool created
// (the undo journal knows them), their note associations and mappings. A row the CRM had before,
// or one that other Pipedrive records share (merged), stays; a shared row loses only this
// record's mapping. Counted as deleted either way; nothing happens when the CRM holds no row of
// the record.
DbError handleDeletedRecord(SyncContext &context, qint64 pipedriveId);

} // namespace pds
