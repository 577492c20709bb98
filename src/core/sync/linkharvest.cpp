#include "linkharvest.h"

#include <QRegularExpression>
#include <QVarLengthArray>

#include <algorithm>

namespace pds {

namespace linkpack {

namespace {

// The texts, each as two UTF-16 units of length, then the text itself.
QString packTexts(const QVarLengthArray<QStringView, 4> &texts)
{
    qsizetype size = 0;
    for (const QStringView text : texts)
        size += 2 + text.size();
    QString packed(size, Qt::Uninitialized); // not null, even with no values
    QChar *out = packed.data();
    for (const QStringView text : texts) {
        const auto length = quint32(text.size());
        *out++ = QChar(char16_t(length >> 16));
        *out++ = QChar(char16_t(length & 0xFFFF));
        out = std::copy(text.cbegin(), text.cend(), out);
    }
    return packed;
}

} // namespace

QString pack(const QVariantList &values, qsizetype from)
{
    QVarLengthArray<QString, 4> texts;
    QVarLengthArray<QStringView, 4> views;
    for (qsizetype i = from; i < values.size(); ++i)
        texts.append(values.at(i).toString());
    for (const QString &text : texts)
        views.append(text);
    return packTexts(views);
}

qsizetype sizeAt(const QString &packed, qsizetype at)
{
    return qsizetype(quint32(packed.at(at).unicode()) << 16 | packed.at(at + 1).unicode());
}

QStringList unpack(const QString &packed)
{
    QStringList values;
    for (qsizetype at = 0; at + 2 <= packed.size();) {
        const qsizetype size = sizeAt(packed, at);
        values << packed.sliced(at + 2, size);
        at += 2 + size;
    }
    return values;
}

qsizetype entryBytes(const QString &packed)
{
    return 64 + 2 * packed.size();
}

void keep(QHash<qint64, QString> &rows, qint64 id, const QString &packed, qsizetype *bytes)
{
    const qsizetype before = rows.size();
    QString &entry = rows[id];
    if (rows.size() == before)
        *bytes -= entryBytes(entry);
    entry = packed;
    *bytes += entryBytes(packed);
}

QString packColumns(const QVariantList &row, const QList<qsizetype> &at)
{
    QVarLengthArray<QStringView, 4> texts;
    for (const qsizetype i : at) {
        if (i < 0 || i >= row.size())
            return {};
        const QVariant &value = row.at(i);
        if (value.typeId() == QMetaType::QString) // read in place: no count up and down
            texts.append(*static_cast<const QString *>(value.constData()));
        else if (value.isNull())
            texts.append(QStringView());
        else
            return {};
    }
    return packTexts(texts);
}

} // namespace linkpack

namespace {

constexpr qsizetype MappingBytes = 32; // a pipedrive id -> rails id node and its share

} // namespace

LinkHarvest::LinkHarvest(const QList<LinkSpec> &specs, qsizetype maxBytes, bool toldForeign)
    : m_maxBytes(maxBytes)
    , m_toldForeign(toldForeign)
{
    m_links.reserve(size_t(specs.size()));
    for (const LinkSpec &spec : specs) {
        Link link;
        link.m_spec = spec;
        link.m_names = plainColumns(spec.columns);
        const bool tableTaken = std::any_of(m_links.cbegin(), m_links.cend(),
            [&](const Link &other) { return other.m_spec.table == spec.table; });
        if (link.m_names.isEmpty() || tableTaken)
            link.m_dead = true;
        m_links.push_back(std::move(link));
    }
}

QStringList LinkHarvest::plainColumns(const QString &columns)
{
    static const QRegularExpression plain(QStringLiteral("^t\\.([a-z_][a-z0-9_]*)$"));
    QStringList names;
    for (const QString &part : columns.split(QLatin1Char(','))) {
        const QRegularExpressionMatch match = plain.match(part.trimmed());
        if (!match.hasMatch())
            return {};
        names << match.captured(1);
    }
    return names;
}

bool LinkHarvest::Link::resolves() const
{
    if (m_unresolved < 0) {
        qsizetype unresolved = 0;
        for (const qint64 railsId : m_ids)
            unresolved += m_rows.contains(railsId) ? 0 : 1;
        m_unresolved = unresolved;
    }
    return m_unresolved == 0;
}

void LinkHarvest::Link::countMapping(qint64 railsId, int change)
{
    if (m_unresolved >= 0 && !m_rows.contains(railsId))
        m_unresolved += change;
}

LinkHarvest::Link::Answer LinkHarvest::Link::find(qint64 pipedriveId, QString *packed) const
{
    const auto id = m_ids.constFind(pipedriveId);
    if (id == m_ids.cend())
        return Answer::NotMapped;
    const auto row = m_rows.constFind(*id);
    if (row == m_rows.cend())
        return Answer::Unknown;
    *packed = *row;
    return Answer::Values;
}

void LinkHarvest::Link::setRow(qint64 id, const QString &packed)
{
    const qsizetype rows = m_rows.size();
    linkpack::keep(m_rows, id, packed, &m_bytes);
    // A new row resolves the mappings to it, if any are unresolved (none when all are).
    if (m_rows.size() != rows && m_unresolved > 0)
        m_unresolved = -1;
}

void LinkHarvest::Link::forgetRow(qint64 id)
{
    const auto row = m_rows.constFind(id);
    if (row == m_rows.cend())
        return;
    m_bytes -= linkpack::entryBytes(*row);
    m_rows.erase(row);
    if (!m_ids.isEmpty())
        m_unresolved = -1; // the mappings to it, if any, are unresolved now
}

void LinkHarvest::Link::kill()
{
    m_dead = true;
    m_checked = false;
    m_ids = {};
    m_rows = {};
    m_idSum = 0;
    m_bytes = 0;
    m_unresolved = 0;
}

void LinkHarvest::apply(const HarvestBatch &batch)
{
    using Kind = HarvestBatch::Event::Kind;
    for (const HarvestBatch::Event &event : batch.events) {
        switch (event.kind) {
        case Kind::Rows:
            for (Link &link : m_links) {
                if (link.m_dead || link.m_spec.table != event.table)
                    continue;
                for (const auto &[id, packed] : event.packed) {
                    if (packed.isNull())
                        link.forgetRow(id);
                    else
                        link.setRow(id, packed);
                }
            }
            break;
        case Kind::Row:
        case Kind::Update:
            for (Link &link : m_links) {
                if (link.m_dead || link.m_spec.table != event.table)
                    continue;
                // The link's values after the change: the kept ones an update leaves as they are.
                QVariantList values;
                if (event.kind == Kind::Update) {
                    const auto row = link.m_rows.constFind(event.id);
                    if (row == link.m_rows.cend())
                        continue; // not kept: stays unknown
                    for (const QString &text : linkpack::unpack(*row))
                        values << text;
                } else {
                    values.resize(link.m_names.size());
                }
                QList<qsizetype> at;
                for (qsizetype i = 0; i < link.m_names.size(); ++i) {
                    const auto value = event.values.constFind(link.m_names.at(i));
                    if (value != event.values.cend())
                        values[i] = *value;
                    // An insert without the column: its default, not known.
                    at << (value != event.values.cend() || event.kind == Kind::Update ? i : -1);
                }
                const QString packed = linkpack::packColumns(values, at);
                if (packed.isNull())
                    link.forgetRow(event.id);
                else
                    link.setRow(event.id, packed);
            }
            break;
        case Kind::Delete:
            for (Link &link : m_links) {
                if (link.m_spec.table == event.table)
                    link.forgetRow(event.id);
            }
            break;
        case Kind::Mappings: {
            // A list holds runs of one type (a page's tasks, its notes): the link found once a run.
            const QString *lastType = nullptr;
            Link *link = nullptr;
            for (const MappingRow &mapping : event.mappings) {
                if (!lastType || *lastType != mapping.type) {
                    lastType = &mapping.type;
                    const auto found = std::find_if(m_links.begin(), m_links.end(),
                        [&](const Link &l) { return !l.m_dead && l.m_spec.type == mapping.type; });
                    link = found == m_links.end() ? nullptr : &*found;
                }
                if (link) {
                    Link &l = *link;
                    const auto known = l.m_ids.find(mapping.pipedriveId);
                    if (mapping.railsId < 0) {
                        if (known != l.m_ids.end()) {
                            l.countMapping(*known, -1);
                            l.m_ids.erase(known);
                            l.m_idSum -= mapping.pipedriveId;
                            l.m_bytes -= MappingBytes;
                        }
                    } else if (known != l.m_ids.end()) {
                        l.countMapping(*known, -1);
                        l.countMapping(mapping.railsId, 1);
                        *known = mapping.railsId;
                    } else {
                        l.countMapping(mapping.railsId, 1);
                        l.m_ids.insert(mapping.pipedriveId, mapping.railsId);
                        l.m_idSum += mapping.pipedriveId;
                        l.m_bytes += MappingBytes;
                    }
                }
            }
            break;
        }
        case Kind::Lost:
            for (Link &link : m_links)
                link.kill();
            break;
        case Kind::Foreign:
            for (Link &link : m_links)
                link.m_checked = false;
            break;
        }
    }
    keepWithinBudget();
}

void LinkHarvest::checked(const Link *link)
{
    if (!m_toldForeign)
        return;
    for (Link &l : m_links) {
        if (&l == link)
            l.m_checked = true;
    }
}

void LinkHarvest::listedWhole(const QStringList &types)
{
    for (Link &link : m_links) {
        if (types.contains(link.m_spec.type))
            link.m_whole = true;
    }
}

const LinkHarvest::Link *LinkHarvest::find(QAnyStringView type) const
{
    for (const Link &link : m_links) {
        if (link.m_spec.type == type)
            return &link;
    }
    return nullptr;
}

qsizetype LinkHarvest::bytes() const
{
    qsizetype bytes = 0;
    for (const Link &link : m_links)
        bytes += link.m_bytes;
    return bytes;
}

void LinkHarvest::keepWithinBudget()
{
    // Memory must not grow with the account: the biggest goes first, for the rest of the run
    // (its links are read from the CRM as without it).
    while (bytes() > m_maxBytes) {
        auto biggest = std::max_element(m_links.begin(), m_links.end(),
            [](const Link &a, const Link &b) { return a.m_bytes < b.m_bytes; });
        biggest->kill();
    }
}

} // namespace pds
