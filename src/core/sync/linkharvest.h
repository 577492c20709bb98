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
// What a kept entry takes, about: its hash node and share of the table, the string's header and
// text.
qsizetype entryBytes(const QString &packed);
// Keeps `packed` for `id` in `rows`, counting what it takes into *bytes (in one lookup: an entry
// replaced is counted out).
void keep(QHash<qint64, QString> &rows, qint64 id, const QString &packed, qsizetype *bytes);
} // namespace linkpack

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
        // or a row whose values it does not have (Unknown: read it).
        Answer find(qint64 pipedriveId, QString *packed) const;
        // The rails id pipedriveId is mapped to, -1: none.
        qint64 railsId(qint64 pipedriveId) const { return m_ids.value(pipedriveId, -1); }

    private:
        friend class LinkHarvest;
        LinkSpec m_spec;
        QStringList m_names; // the spec's plain column names, in its order
        QHash<qint64, qint64> m_ids; // pipedrive id -> rails id
        QHash<qint64, QString> m_rows; // rails id -> packed values
        qint64 m_idSum = 0;
        qsizetype m_bytes = 0;
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
