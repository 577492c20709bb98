#include "linkharvest.h"

#include "asciitext.h"

#include <QRegularExpression>
#include <QVarLengthArray>

#include <algorithm>
#include <cstring>

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

// Makes room for `size` elements, growing by an eighth at a time rather than doubling: the
// harvest's vectors are most of its memory, and a doubled one's spare half was counted in a
// 500k sync's peak.
template<typename T> void growTo(std::vector<T> &vector, size_t size)
{
    if (size > vector.capacity())
        vector.reserve(std::max(size, vector.size() + std::max<size_t>(vector.size() / 8, 4096)));
}

qsizetype headerSize(quint64 value)
{
    qsizetype size = 1;
    for (; value >= 0x80; value >>= 7)
        ++size;
    return size;
}

// A record's LEB128 header at `at` into *header (units << 2 | UTF-16 (2) | null (1)); its size.
qsizetype readHeader(const char *at, quint64 *header)
{
    *header = 0;
    qsizetype size = 0;
    for (int shift = 0;; shift += 7) {
        const auto byte = uchar(at[size++]);
        *header |= quint64(byte & 0x7F) << shift;
        if (byte < 0x80)
            return size;
    }
}

} // namespace

quint32 IdSlots::value(qint64 id) const
{
    const qint64 index = id - m_base;
    if (index >= 0 && index < qint64(m_slots.size()) && m_slots[size_t(index)] != None)
        return m_slots[size_t(index)];
    return m_outside.isEmpty() ? None : m_outside.value(id, None);
}

quint32 *IdSlots::place(qint64 id)
{
    if (m_slots.empty() && m_outside.isEmpty())
        m_base = id;
    const qint64 index = id - m_base;
    const auto inRun = qint64(m_slots.size());
    // The run goes on past gaps (ids taken by rows written elsewhere, records of another type)
    // while at least an eighth of its slots hold a value; an id that would thin it more goes to
    // the hash.
    const qint64 inSlots = m_count - m_outside.size();
    if (index < 0 || (index >= inRun && index >= std::max<qint64>(64, 8 * (inSlots + 1)))) {
        // Most ids in the hash (the first one far from the rest, ids read in no order): one run
        // over all of them, if they are dense enough for it.
        if (m_outside.size() + 1 >= m_rebuildAt && !m_outside.contains(id) && rebuildAround(id))
            return place(id);
        const auto before = m_outside.size();
        quint32 *place = &m_outside[id];
        if (m_outside.size() != before) {
            *place = None;
            ++m_count;
        }
        return place;
    }
    if (index >= inRun) {
        growTo(m_slots, size_t(index) + 1);
        m_slots.resize(size_t(index) + 1, None);
    }
    quint32 *place = &m_slots[size_t(index)];
    if (*place != None)
        return place;
    const auto outside = m_outside.isEmpty() ? m_outside.cend() : m_outside.constFind(id);
    if (outside != m_outside.cend()) {
        // Kept in the hash before the run reached it: moved into its slot.
        *place = *outside;
        m_outside.erase(outside);
    } else {
        ++m_count;
    }
    return place;
}

bool IdSlots::rebuildAround(qint64 id)
{
    qint64 first = id;
    qint64 last = id;
    for (qsizetype i = 0; i < qsizetype(m_slots.size()); ++i) {
        if (m_slots[size_t(i)] != None) {
            first = std::min(first, m_base + i);
            last = std::max(last, m_base + i);
        }
    }
    for (auto it = m_outside.cbegin(); it != m_outside.cend(); ++it) {
        first = std::min(first, it.key());
        last = std::max(last, it.key());
    }
    const qint64 values = m_count + 1;
    if (last - first >= 8 * values) {
        m_rebuildAt = 2 * (m_outside.size() + 1); // tried again once the hash has doubled
        return false;
    }
    std::vector<quint32> run;
    run.reserve(size_t(last - first + 1));
    run.resize(size_t(last - first + 1), None);
    for (qsizetype i = 0; i < qsizetype(m_slots.size()); ++i) {
        if (m_slots[size_t(i)] != None)
            run[size_t(m_base + i - first)] = m_slots[size_t(i)];
    }
    for (auto it = m_outside.cbegin(); it != m_outside.cend(); ++it)
        run[size_t(it.key() - first)] = it.value();
    m_slots = std::move(run);
    m_outside.clear();
    m_base = first;
    m_rebuildAt = 64;
    return true;
}

quint32 IdSlots::take(qint64 id)
{
    const qint64 index = id - m_base;
    quint32 value = None;
    if (index >= 0 && index < qint64(m_slots.size()) && m_slots[size_t(index)] != None) {
        value = std::exchange(m_slots[size_t(index)], None);
    } else {
        const auto outside = m_outside.constFind(id);
        if (outside == m_outside.cend())
            return None;
        value = *outside;
        m_outside.erase(outside);
    }
    --m_count;
    return value;
}

qsizetype IdSlots::bytes() const
{
    constexpr qsizetype OutsideBytes = 24; // a hash node and its share of the table
    return qsizetype(m_slots.size()) * qsizetype(sizeof(quint32)) + m_outside.size() * OutsideBytes;
}

bool PackedRows::find(qint64 id, QString *packed) const
{
    const quint32 offset = m_offsets.value(id);
    if (offset == IdSlots::None)
        return false;
    quint64 header = 0;
    const char *at = m_buffer.data() + offset;
    at += readHeader(at, &header);
    const auto units = qsizetype(header >> 2);
    if (header & 1) {
        *packed = QString();
    } else if (header & 2) {
        QString text(units, Qt::Uninitialized); // not null, even with no units
        std::memcpy(text.data(), at, size_t(units) * 2); // the buffer is not aligned for QChar
        *packed = std::move(text);
    } else {
        *packed = QString::fromLatin1(at, units); // not null: `at` is not
    }
    return true;
}

void PackedRows::insert(qint64 id, QStringView packed)
{
    quint32 *place = m_offsets.place(id);
    if (*place != IdSlots::None)
        dropRecord(std::exchange(*place, IdSlots::None)); // first: it may compact the buffer
    *place = append(packed);
}

bool PackedRows::remove(qint64 id)
{
    const quint32 offset = m_offsets.take(id);
    if (offset == IdSlots::None)
        return false;
    dropRecord(offset);
    return true;
}

quint32 PackedRows::append(QStringView packed)
{
    const auto units = quint64(packed.size());
    const quint64 largest = units << 2 | 3;
    const size_t at = m_buffer.size();
    const qsizetype header = headerSize(largest);
    growTo(m_buffer, at + size_t(header) + size_t(units) * 2);
    m_buffer.resize(at + size_t(header) + size_t(units) * 2);
    char *text = m_buffer.data() + at + header;
    const auto *in = reinterpret_cast<const char16_t *>(packed.utf16());
    // ascii::narrow() stops at its first chunk not ASCII: Latin-1 beyond ASCII is copied here.
    bool narrow = ascii::narrow(in, packed.size(), text);
    if (!narrow) {
        narrow = std::all_of(in, in + packed.size(), [](char16_t unit) { return unit < 0x100; });
        if (narrow)
            std::transform(in, in + packed.size(), text, [](char16_t unit) { return char(unit); });
        else
            std::memcpy(text, in, size_t(units) * 2);
    }
    m_buffer.resize(at + size_t(header) + size_t(units) * (narrow ? 1 : 2));
    // The header: units, UTF-16 (2) or Latin-1, null (1); padded to the size worked out above.
    quint64 value = units << 2 | (narrow ? 0 : 2) | (packed.isNull() ? 1 : 0);
    char *out = m_buffer.data() + at;
    for (qsizetype i = 0; i < header; ++i, value >>= 7)
        out[i] = char((value & 0x7F) | (i + 1 < header ? 0x80 : 0));
    Q_ASSERT(m_buffer.size() < IdSlots::None);
    return quint32(at);
}

qsizetype PackedRows::recordSize(quint32 offset) const
{
    quint64 header = 0;
    const qsizetype size = readHeader(m_buffer.data() + offset, &header);
    return size + qsizetype(header >> 2) * ((header & 2) ? 2 : 1);
}

void PackedRows::dropRecord(quint32 offset)
{
    m_dropped += recordSize(offset);
    // Most of the buffer dropped: the records left are copied into a new one.
    if (m_dropped < 4096 || m_dropped * 2 < qsizetype(m_buffer.size()))
        return;
    std::vector<char> kept;
    kept.reserve(m_buffer.size() - size_t(m_dropped));
    m_offsets.forEach([&](quint32 &at) {
        const qsizetype size = recordSize(at);
        const auto to = quint32(kept.size());
        kept.insert(kept.end(), m_buffer.begin() + at, m_buffer.begin() + at + size);
        at = to;
    });
    m_buffer = std::move(kept);
    m_dropped = 0;
}

qint64 IdMap::value(qint64 id, qint64 otherwise) const
{
    const quint32 near = m_near.value(id);
    if (near != IdSlots::None)
        return m_railsBase + near;
    return m_far.isEmpty() ? otherwise : m_far.value(id, otherwise);
}

void IdMap::insert(qint64 id, qint64 railsId)
{
    if (m_railsBase < 0)
        m_railsBase = railsId;
    const qint64 distance = railsId - m_railsBase;
    if (distance >= 0 && distance < IdSlots::None) {
        if (!m_far.isEmpty())
            m_far.remove(id);
        *m_near.place(id) = quint32(distance);
    } else {
        m_near.take(id);
        m_far.insert(id, railsId);
    }
}

qint64 IdMap::take(qint64 id)
{
    const quint32 near = m_near.take(id);
    if (near != IdSlots::None)
        return m_railsBase + near;
    const auto far = m_far.isEmpty() ? m_far.cend() : m_far.constFind(id);
    if (far == m_far.cend())
        return -1;
    const qint64 railsId = *far;
    m_far.erase(far);
    return railsId;
}

qsizetype IdMap::bytes() const
{
    return m_near.bytes() + m_far.size() * FarBytes;
}

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
        m_ids.forEachValue([&](qint64 railsId) { unresolved += m_rows.contains(railsId) ? 0 : 1; });
        m_unresolved = unresolved;
    }
    return m_unresolved == 0;
}

void LinkHarvest::Link::countMapping(qint64 railsId, int change)
{
    if (m_unresolved >= 0 && !m_rows.contains(railsId))
        m_unresolved += change;
}

qsizetype LinkHarvest::Link::bytes() const
{
    return m_ids.bytes() + m_rows.bytes();
}

LinkHarvest::Link::Answer LinkHarvest::Link::find(qint64 pipedriveId, QString *packed) const
{
    const qint64 id = m_ids.value(pipedriveId);
    if (id < 0)
        return Answer::NotMapped;
    if (!packed)
        return m_rows.contains(id) ? Answer::Values : Answer::Unknown;
    return m_rows.find(id, packed) ? Answer::Values : Answer::Unknown;
}

void LinkHarvest::Link::setRow(qint64 id, const QString &packed)
{
    const qsizetype rows = m_rows.size();
    m_rows.insert(id, packed);
    // A new row resolves the mappings to it, if any are unresolved (none when all are).
    if (m_rows.size() != rows && m_unresolved > 0)
        m_unresolved = -1;
}

void LinkHarvest::Link::forgetRow(qint64 id)
{
    if (!m_rows.remove(id))
        return;
    if (!m_ids.isEmpty())
        m_unresolved = -1; // the mappings to it, if any, are unresolved now
}

void LinkHarvest::Link::kill()
{
    m_dead = true;
    m_checked = false;
    m_ids.clear();
    m_rows.clear();
    m_idSum = 0;
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
                    QString row;
                    if (!link.m_rows.find(event.id, &row))
                        continue; // not kept: stays unknown
                    for (const QString &text : linkpack::unpack(row))
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
                    if (mapping.railsId < 0) {
                        const qint64 known = l.m_ids.take(mapping.pipedriveId);
                        if (known >= 0) {
                            l.countMapping(known, -1);
                            l.m_idSum -= mapping.pipedriveId;
                        }
                        continue;
                    }
                    const qint64 known = l.m_ids.value(mapping.pipedriveId);
                    if (known >= 0)
                        l.countMapping(known, -1);
                    else
                        l.m_idSum += mapping.pipedriveId;
                    l.countMapping(mapping.railsId, 1);
                    l.m_ids.insert(mapping.pipedriveId, mapping.railsId);
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
        bytes += link.bytes();
    return bytes;
}

void LinkHarvest::keepWithinBudget()
{
    // Memory must not grow with the account: the biggest goes first, for the rest of the run
    // (its links are read from the CRM as without it).
    while (bytes() > m_maxBytes) {
        auto biggest = std::max_element(m_links.begin(), m_links.end(),
            [](const Link &a, const Link &b) { return a.bytes() < b.bytes(); });
        biggest->kill();
    }
}

} // namespace pds
