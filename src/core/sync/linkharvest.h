#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantList>
#include <QVariantMap>

#include <utility>
#include <vector>

namespace pds {

// What a link reader reads of a CRM table (CrmStore::linkedValues()): `columns` of `table`
// (aliased t, "t.first_name, t.last_name") of the rows mapped to Pipedrive records of `type`.
struct LinkSpec
{
    QString type;
    QString table;
    QString columns;
};

// Linked rows' values packed into one string, as the link caches keep them: each value as two
// UTF-16 units of length, then its text (a NULL as empty text). Never null.
namespace linkpack {
QString pack(const QVariantList &values, qsizetype from = 0);
qsizetype sizeAt(const QString &packed, qsizetype at);
QStringList unpack(const QString &packed);
// The values of `row` at `at` packed, if each is a text or NULL; a null string if not (a number
// written into a text column is not guessed at).
QString packColumns(const QVariantList &row, const QList<qsizetype> &at);
} // namespace linkpack

// Ids mapped to 32-bit values, compactly, for the link harvest: ids in a run of nearly
// consecutive ones (a table's new rows, a Pipedrive list's records) find theirs in a 4-byte
// slot, others in a hash (~24 bytes). Used on one thread.
class IdSlots
{
public:
    static constexpr quint32 None = 0xFFFFFFFF; // no value; never kept
    quint32 value(qint64 id) const;
    // Where id's value goes (None: a new one), made if need be; valid until the next call.
    // A new id is counted at once: the caller gives it a value.
    quint32 *place(qint64 id);
    quint32 take(qint64 id); // the value removed, None if there was none
    qsizetype size() const { return m_count; }
    qsizetype bytes() const;
    // Each value, in no order, as a reference that may be changed (not to None).
    template<typename F> void forEach(F &&f) { forEachIn(*this, f); }
    template<typename F> void forEach(F &&f) const { forEachIn(*this, f); }

private:
    qint64 m_base = 0; // the id of m_slots' first
    std::vector<quint32> m_slots; // id - m_base -> its value, or None
    QHash<qint64, quint32> m_outside; // ids outside the slots' run
    qsizetype m_count = 0; // values kept (placed ones counted when placed)
    qsizetype m_rebuildAt = 64; // ids in the hash before rebuildAround() is tried
    // One run from the smallest id kept (or id) to the greatest, if at least an eighth of its
    // slots would hold a value; false, and tried again later, if not.
    bool rebuildAround(qint64 id);
    template<typename Self, typename F> static void forEachIn(Self &self, F &f)
    {
        for (auto &value : self.m_slots) {
            if (value != None)
                f(value);
        }
        for (auto &value : self.m_outside)
            f(value);
    }
};

// Packed values (linkpack) by id, kept compactly: a QString each in a hash took ~124 bytes a
// linked row with its mapping, and a 500k-record account's ~220,000 did not fit the harvest's
// budget. Here each is a record in one buffer, in Latin-1 where every unit fits (names, e-mail
// addresses: a byte a character), else in UTF-16, with a LEB128 header, found through IdSlots.
// A null string is kept as such. Used on one thread.
class PackedRows
{
public:
    bool contains(qint64 id) const { return m_offsets.value(id) != IdSlots::None; }
    // The packed values kept for id into *packed; false if none are.
    bool find(qint64 id, QString *packed) const;
    // Keeps `packed` (null too) for id, replacing what was kept.
    void insert(qint64 id, QStringView packed);
    bool remove(qint64 id); // false: nothing was kept
    qsizetype size() const { return m_offsets.size(); }
    bool isEmpty() const { return size() == 0; }
    // What it takes, about: slots, hash nodes, the buffer (records dropped since the last
    // compaction included).
    qsizetype bytes() const { return m_offsets.bytes() + qsizetype(m_buffer.size()); }
    void clear() { *this = PackedRows(); }

private:
    IdSlots m_offsets; // id -> its record's offset in m_buffer
    std::vector<char> m_buffer;
    qsizetype m_dropped = 0; // bytes of records replaced or removed, still in m_buffer
    quint32 append(QStringView packed);
    qsizetype recordSize(quint32 offset) const;
    void dropRecord(quint32 offset); // once no id has it
};

// Pipedrive ids -> rails ids, compactly: a type's mappings written by one run go up together, so
// each is kept as its rails id's distance from the first one's (IdSlots); one that does not fit
// (an older row's) in a hash of its own. Used on one thread.
class IdMap
{
public:
    qint64 value(qint64 id, qint64 otherwise = -1) const;
    void insert(qint64 id, qint64 railsId);
    // The rails id removed, -1 if none.
    qint64 take(qint64 id);
    qsizetype size() const { return m_near.size() + m_far.size(); }
    bool isEmpty() const { return size() == 0; }
    qsizetype bytes() const;
    void clear() { *this = IdMap(); }
    template<typename F> void forEachValue(F &&f) const
    {
        m_near.forEach([&](quint32 value) { f(m_railsBase + value); });
        for (const qint64 value : m_far)
            f(value);
    }

private:
    static constexpr qsizetype FarBytes = 32; // a hash node and its share of the table
    qint64 m_railsBase = -1; // -1: not set yet
    IdSlots m_near; // id -> rails id - m_railsBase
    QHash<qint64, qint64> m_far; // ids whose rails id is not near
};

// A mapping as the sync thread's store writes it; railsId -1 in a HarvestBatch: removed.
struct MappingRow
{
    QString type;
    qint64 pipedriveId;
    qint64 railsId;
};

// What the sync thread's store changed of the tables and mapping types of a LinkHarvest between
// two commits, in the order it did (CrmStore::takeHarvest()). The mappings it wrote in bulk come
// as the list it wrote them from, shared; the rows as the link's values, packed where they were
// just bound (read again on the worker, from the other core's cache, they cost it far more).
struct HarvestBatch
{
    struct Event
    {
        enum class Kind {
            Rows, // rows inserted: table, packed (id, the link's values packed; null: unknown)
            Row, // one row inserted: table, id, values
            Update, // a row's columns changed: table, id, values (the changed ones)
            Delete, // a row deleted: table, id
            Mappings, // mappings set (or removed): mappings
            Lost, // something it could not tell: nothing harvested holds any more
            Foreign, // another connection committed meanwhile: each link to be checked again
        };
        Kind kind = Kind::Lost;
        QString table;
        qint64 id = -1;
        QList<std::pair<qint64, QString>> packed;
        QVariantMap values;
        QList<MappingRow> mappings;
    };
    std::vector<Event> events;
    bool isEmpty() const { return events.empty(); }
};

// The rows the sync wrote of the tables later passes link to, kept by the stage worker for the
// whole run (StageWorker::harvest()): a pass over every record then answers its links from memory
// instead of reading them back, two B-tree seeks a row, while the sync thread waits (the
// activities' second page waited ~37 ms for ~49,000 such rows at 100k records). Only trusted where
// it holds every mapping of its type (CrmStore checks the CRM's count and sum of ids), and never
// past anything it could not follow. Used on one thread.
class LinkHarvest
{
public:
    // Every spec with its own type and table; maxBytes: what it may keep, about (past it, the
    // biggest link is dropped for the rest of the run). toldForeign: the batches say when another
    // connection committed (Event::Foreign; SQLite's data_version): a link checked against the
    // CRM then holds until one says so, not only for the pass that checked it.
    LinkHarvest(const QList<LinkSpec> &specs, qsizetype maxBytes, bool toldForeign = false);

    class Link
    {
    public:
        const LinkSpec &spec() const { return m_spec; }
        // Usable: alive, its type listed whole in this run (listedWhole()), and some mapping.
        bool usable() const { return !m_dead && m_whole && !m_ids.isEmpty(); }
        bool isDead() const { return m_dead; }
        // Checked against the CRM's mappings, and nothing written by another connection since.
        bool isChecked() const { return m_checked; }
        qsizetype mappings() const { return m_ids.size(); }
        qint64 idSum() const { return m_idSum; }
        // Every mapping's row has its values here. Kept count of as mappings come and go, not
        // looked up for each mapping when asked (at the first page of each pass that links to
        // the type, ~45,000 lookups at 100k records, 2.5-3 ms at the activities' while the sync
        // thread waited); counted again only after a row went, or came while some were missing.
        bool resolves() const;
        enum class Answer { Values, NotMapped, Unknown };
        // The packed values of the row pipedriveId is mapped to (Values), no mapping (NotMapped),
        // or a row whose values it does not have (Unknown: read it). packed may be null: only
        // the answer is wanted (the values are unpacked for each call that asks).
        Answer find(qint64 pipedriveId, QString *packed) const;
        // The rails id pipedriveId is mapped to, -1: none.
        qint64 railsId(qint64 pipedriveId) const { return m_ids.value(pipedriveId); }

    private:
        friend class LinkHarvest;
        LinkSpec m_spec;
        QStringList m_names; // the spec's plain column names, in its order
        IdMap m_ids; // pipedrive id -> rails id
        PackedRows m_rows; // rails id -> packed values
        qint64 m_idSum = 0;
        qsizetype bytes() const;
        bool m_whole = false;
        bool m_dead = false;
        bool m_checked = false;
        // Mappings without their row, -1: not known (counted by resolves()).
        mutable qsizetype m_unresolved = 0;
        void countMapping(qint64 railsId, int change); // a mapping to railsId came (1) or went
        void setRow(qint64 id, const QString &packed);
        void forgetRow(qint64 id);
        void kill();
    };

    void apply(const HarvestBatch &batch);
    // The CRM's mappings of the link's type were found as it holds them: isChecked() from now on
    // if another connection's commits are told, else only for this check.
    void checked(const Link *link);
    // A pass over every record of these types has begun: their links may be trusted once whole.
    void listedWhole(const QStringList &types);
    // The link of this type; nullptr if none.
    const Link *find(QAnyStringView type) const;
    qsizetype bytes() const;

    // The plain column names of a spec's columns ("t.a, t.b" -> a, b); empty if any is more
    // than a column of t.
    static QStringList plainColumns(const QString &columns);

private:
    std::vector<Link> m_links; // fixed once made: CrmStore keeps pointers to them
    qsizetype m_maxBytes;
    bool m_toldForeign;
    void keepWithinBudget();
};

} // namespace pds
