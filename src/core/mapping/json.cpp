#include "mapping/json.h"

#include "asciitext.h"

#include <QJsonDocument>

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

using namespace Qt::StringLiterals;

namespace pds::json {

// A parsed document: simdjson's tape, read word by word as simdjson's own tape_ref reads it
// (simdjson/internal/tape_ref-inl.h, doc/tape.md): the type in the top byte; for '{' and '[' the
// index after the matching close in the low 32 bits and the member count in the next 24; for
// strings an offset into the string buffer, where a 32-bit length precedes the bytes; numbers
// in the word after.
class Document
{
public:
    simdjson::dom::document doc;

    quint64 word(quint32 i) const { return doc.tape[i]; }
    char typeAt(quint32 i) const { return char(word(i) >> 56); }
    quint32 after(quint32 i) const
    {
        switch (typeAt(i)) {
        case '{':
        case '[':
            return quint32(word(i));
        case 'l':
        case 'u':
        case 'd':
            return i + 2;
        default:
            return i + 1;
        }
    }
    // The index of the closing '}' or ']'.
    quint32 close(quint32 i) const { return quint32(word(i)) - 1; }
    qsizetype count(quint32 i) const
    {
        const qsizetype counted = qsizetype((word(i) >> 32) & 0xFFFFFF);
        if (counted < 0xFFFFFF)
            return counted;
        // Saturated: count them.
        qsizetype n = 0;
        const bool object = typeAt(i) == '{';
        for (quint32 j = i + 1; j < close(i); j = after(object ? j + 1 : j))
            ++n;
        return n;
    }
    std::string_view stringAt(quint32 i) const
    {
        const size_t offset = size_t(word(i) & 0x00FFFFFFFFFFFFFFULL);
        quint32 length;
        std::memcpy(&length, &doc.string_buf[offset], sizeof length);
        return { reinterpret_cast<const char *>(&doc.string_buf[offset + sizeof length]), length };
    }
    template<class T> T numberAt(quint32 i) const
    {
        T value;
        std::memcpy(&value, &doc.tape[i + 1], sizeof value);
        return value;
    }

    // The key tables of objects with this many members or more: a record (15 to 40 members, of
    // which the mapping reads 10 to 35) is read by hash, a small nested object by a scan.
    static constexpr qsizetype HashedFrom = 12;
    struct KeyTable
    {
        quint32 object; // the '{' on the tape
        quint32 mask;
        quint32 offset; // into keyTables
    };
    std::vector<KeyTable> tables; // by tape index
    std::vector<quint32> keyTables;

    // Done once after parsing, on the thread that parsed (the network thread has time to spare;
    // the stage worker, which reads the records, has not). Only objects down to MaxHashedDepth are
    // looked at (a page's records and their custom_fields: root {} > data [] > record {} > {}):
    // the walk steps over what is deeper in one jump, where it visited every value of the page.
    // One walk hashes the keys as it goes (planned first, the page was walked twice: 40% of
    // this), into one vector reserved for about what a page's tape needs, so that it seldom moves
    // (grown from nothing, its moves were a third of this).
    static constexpr int MaxHashedDepth = 4;
    void hashKeys()
    {
        tables.clear();
        keyTables.clear();
        const quint32 end = quint32(doc.tape[0] & 0x00FFFFFFFFFFFFFFULL);
        if (end <= 1 || (typeAt(1) != '{' && typeAt(1) != '['))
            return;
        // A page's records take about one entry a word of the tape (a record of 45 members, 110
        // words, a table of 128).
        keyTables.reserve(size_t(end) + end / 4);
        hashTables(1, 1);
    }
    // The tables of the container at `i` (at `depth`) and of those in it, in tape order.
    void hashTables(quint32 i, int depth)
    {
        const bool object = typeAt(i) == '{';
        size_t offset = 0;
        quint32 mask = 0;
        if (object && count(i) >= HashedFrom) {
            const qsizetype size = count(i);
            quint32 capacity = 32;
            while (capacity < quint32(size) * 2)
                capacity *= 2;
            offset = keyTables.size();
            mask = capacity - 1;
            tables.push_back({ i, mask, quint32(offset) });
            keyTables.resize(offset + capacity); // zeroed
        }
        const bool deeper = depth < MaxHashedDepth;
        if (mask == 0 && !deeper)
            return;
        quint32 *entries = mask != 0 ? keyTables.data() + offset : nullptr;
        for (quint32 j = i + 1; j < close(i); j = after(j)) {
            if (object) {
                if (entries) {
                    const std::string_view name = stringAt(j);
                    quint32 slot = keyHash(name) & mask;
                    // The first of duplicate keys stays, as a scan finds it.
                    while (entries[slot] != 0 && stringAt(entries[slot]) != name)
                        slot = (slot + 1) & mask;
                    if (entries[slot] == 0)
                        entries[slot] = j;
                }
                ++j; // the value
            }
            if (deeper && (typeAt(j) == '{' || typeAt(j) == '[')) {
                hashTables(j, depth + 1);
                if (entries) // the vector may have moved
                    entries = keyTables.data() + offset;
            }
        }
    }
    const KeyTable *tableOf(quint32 object) const
    {
        const auto it = std::lower_bound(tables.begin(), tables.end(), object,
            [](const KeyTable &t, quint32 index) { return t.object < index; });
        return it != tables.end() && it->object == object ? &*it : nullptr;
    }
};

namespace {

QString text(std::string_view bytes)
{
    // Short strings are mostly ASCII: copied as they are (asciitext.h).
    if (!bytes.empty() && qsizetype(bytes.size()) <= ascii::ShortText) {
        QString out(qsizetype(bytes.size()), Qt::Uninitialized);
        if (ascii::widen(
                bytes.data(), qsizetype(bytes.size()), reinterpret_cast<char16_t *>(out.data())))
            return out;
    }
    return QString::fromUtf8(bytes.data(), qsizetype(bytes.size()));
}

// A key as UTF-8 bytes: the keys the mapping asks for are ASCII literals, read in place.
struct KeyBytes
{
    explicit KeyBytes(QAnyStringView key)
    {
        key.visit([this](auto view) { read(view); });
    }
    void read(QUtf8StringView key) { view = { key.data(), size_t(key.size()) }; }
    void read(QLatin1StringView key)
    {
        // Checked eight bytes at a time: an ASCII key's bytes are its UTF-8 (a byte at a time
        // was a sixth of the stage worker's lookups).
        const char *bytes = key.data();
        const qsizetype size = key.size();
        quint64 high = 0;
        qsizetype i = 0;
        for (; i + 8 <= size; i += 8) {
            quint64 eight;
            std::memcpy(&eight, bytes + i, 8);
            high |= eight;
        }
        for (; i < size; ++i)
            high |= uchar(bytes[i]);
        if (high & 0x8080808080808080ULL) {
            utf8 = QString(key).toUtf8();
            view = { utf8.constData(), size_t(utf8.size()) };
            return;
        }
        view = { key.data(), size_t(key.size()) };
    }
    void read(QStringView key)
    {
        if (key.size() > qsizetype(sizeof buffer)) {
            utf8 = key.toUtf8();
            view = { utf8.constData(), size_t(utf8.size()) };
            return;
        }
        // Copied first and checked once: keys are nearly always ASCII.
        const char16_t *units = key.utf16();
        const qsizetype size = key.size();
        char16_t all = 0;
        qsizetype i = 0;
#if defined(__SSE2__)
        // Eight at a time: the custom fields' keys are 40 characters, and copying them one by one
        // was most of a lookup by such a key.
        __m128i ored = _mm_setzero_si128();
        for (; i + 8 <= size; i += 8) {
            const __m128i eight = _mm_loadu_si128(reinterpret_cast<const __m128i *>(units + i));
            ored = _mm_or_si128(ored, eight);
            _mm_storel_epi64(
                reinterpret_cast<__m128i *>(buffer + i), _mm_packus_epi16(eight, eight));
        }
        const __m128i nonAscii = _mm_and_si128(ored, _mm_set1_epi16(short(0xFF80)));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(nonAscii, _mm_setzero_si128())) != 0xFFFF)
            all = 0x80;
#endif
        for (; i < size; ++i) {
            all |= units[i];
            buffer[i] = char(units[i]);
        }
        if (all >= 0x80) {
            utf8 = key.toUtf8();
            view = { utf8.constData(), size_t(utf8.size()) };
            return;
        }
        view = { buffer, size_t(key.size()) };
    }
    std::string_view view;
    char buffer[64];
    QByteArray utf8;
};

// A pointer to the document that owns no share of it: copying it counts nothing (the aliasing
// constructor with an empty owner).
std::shared_ptr<const Document> unowned(const std::shared_ptr<const Document> &document)
{
    return std::shared_ptr<const Document>(std::shared_ptr<const Document>(), document.get());
}

template<class T> T fromQt(const QJsonDocument &document)
{
    QString error;
    const Value root = parse(document.toJson(QJsonDocument::Compact), &error);
    if constexpr (std::is_same_v<T, Object>)
        return root.toObject();
    else
        return root.toArray();
}

} // namespace

// ---- Value ----------------------------------------------------------------------------------

Value::Value(Type type)
    : m_type(type == Undefined ? Undefined : Null)
{ }

Value::Value(const QString &text)
    : m_type(String)
    , m_text(text)
{ }

Value::Value(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Undefined:
        m_type = Undefined;
        return;
    case QJsonValue::Null:
        m_type = Null;
        return;
    case QJsonValue::String:
        m_type = String;
        m_text = value.toString();
        return;
    default:
        *this = fromQt<json::Array>(QJsonDocument(QJsonArray { value })).first();
    }
}

Value::Value(std::shared_ptr<const Document> document, quint32 index)
    : m_document(std::move(document))
    , m_index(index)
{
    switch (m_document->typeAt(index)) {
    case 't':
    case 'f':
        m_type = Bool;
        break;
    case 'l':
    case 'u':
    case 'd':
        m_type = Double;
        break;
    case '"':
        m_type = String;
        break;
    case '[':
        m_type = Array;
        break;
    case '{':
        m_type = Object;
        break;
    default:
        m_type = Null;
    }
}

bool Value::toBool(bool defaultValue) const
{
    return m_type == Bool ? m_document->typeAt(m_index) == 't' : defaultValue;
}

double Value::toDouble(double defaultValue) const
{
    if (m_type != Double)
        return defaultValue;
    switch (m_document->typeAt(m_index)) {
    case 'l':
        return double(m_document->numberAt<qint64>(m_index));
    case 'u':
        return double(m_document->numberAt<quint64>(m_index));
    default:
        return m_document->numberAt<double>(m_index);
    }
}

int Value::toInt(int defaultValue) const
{
    // As QJsonValue: a number that is a whole int, else the default.
    const double d = toDouble(std::numeric_limits<double>::quiet_NaN());
    if (d >= std::numeric_limits<int>::min() && d <= std::numeric_limits<int>::max()
        && d == double(int(d)))
        return int(d);
    return defaultValue;
}

QString Value::toString() const
{
    return toString(QString());
}

QString Value::toString(const QString &defaultValue) const
{
    if (m_type != String)
        return defaultValue;
    if (!m_document)
        return m_text;
    return text(m_document->stringAt(m_index));
}

QByteArrayView Value::utf8InPlace() const
{
    if (m_type != String || !m_document)
        return {};
    const std::string_view bytes = m_document->stringAt(m_index);
    return QByteArrayView(bytes.data(), qsizetype(bytes.size()));
}

json::Object Value::toObject() const
{
    json::Object object;
    if (m_type == Object) {
        object.m_document = m_document;
        object.m_index = m_index;
        object.m_size = m_document->count(m_index);
        if (object.m_size >= Document::HashedFrom) {
            if (const Document::KeyTable *table = m_document->tableOf(m_index)) {
                object.m_keys = m_document->keyTables.data() + table->offset;
                object.m_mask = table->mask;
            }
        }
    }
    return object;
}

json::Array Value::toArray() const
{
    json::Array array;
    if (m_type == Array) {
        array.m_document = m_document;
        array.m_index = m_index;
        array.m_size = m_document->count(m_index);
    }
    return array;
}

Value Value::operator[](QAnyStringView key) const
{
    return toObject().value(key);
}

Value Value::borrowed() const
{
    // A copy with its share given back: borrowed() is called once a page or record, not a read.
    Value value = *this;
    value.m_document = unowned(m_document);
    return value;
}

QJsonValue Value::toQt() const
{
    switch (m_type) {
    case Null:
        return QJsonValue(QJsonValue::Null);
    case Undefined:
        return QJsonValue(QJsonValue::Undefined);
    case Bool:
        return toBool();
    case Double:
        if (const char t = m_document->typeAt(m_index); t == 'l')
            return m_document->numberAt<qint64>(m_index);
        return toDouble();
    case String:
        return toString();
    case Array:
        return toArray().toQt();
    case Object:
        return toObject().toQt();
    }
    return {};
}

// ---- Object ---------------------------------------------------------------------------------

Object::Object(const QJsonObject &object)
    : Object(fromQt<json::Object>(QJsonDocument(object)))
{ }

Value Object::value(QAnyStringView key) const
{
    if (m_size == 0)
        return Value(Value::Undefined);
    const KeyBytes wanted(key);
    return value(wanted.view, keyHash(wanted.view));
}

Value Object::value(std::string_view utf8, quint32 hash) const
{
    if (m_size == 0)
        return Value(Value::Undefined);
    const Document &doc = *m_document;
    if (m_keys) {
        for (quint32 slot = hash & m_mask;; slot = (slot + 1) & m_mask) {
            const quint32 i = m_keys[slot];
            if (i == 0)
                return Value(Value::Undefined);
            if (doc.stringAt(i) == utf8)
                return Value(m_document, i + 1);
        }
    }
    const quint32 end = doc.close(m_index);
    for (quint32 i = first(); i < end; i = doc.after(i + 1)) {
        if (doc.stringAt(i) == utf8)
            return Value(m_document, i + 1);
    }
    return Value(Value::Undefined);
}

Object Object::borrowed() const
{
    // A copy with its share given back: borrowed() is called once a page or record, not a read.
    Object object = *this;
    object.m_document = unowned(m_document);
    return object;
}

QStringList Object::keys() const
{
    QStringList keys;
    keys.reserve(m_size);
    for (auto it = begin(); it != end(); ++it)
        keys.append(it.key());
    return keys;
}

Object::const_iterator Object::begin() const
{
    return { this, m_size == 0 ? 0 : first() };
}

Object::const_iterator Object::end() const
{
    return { this, m_size == 0 ? 0 : m_document->close(m_index) };
}

QString Object::const_iterator::key() const
{
    return text(m_object->m_document->stringAt(m_index));
}

Value Object::const_iterator::value() const
{
    return Value(m_object->m_document, m_index + 1);
}

Object::const_iterator &Object::const_iterator::operator++()
{
    m_index = m_object->m_document->after(m_index + 1);
    return *this;
}

QJsonObject Object::toQt() const
{
    QJsonObject object;
    for (auto it = begin(); it != end(); ++it)
        object.insert(it.key(), it.value().toQt());
    return object;
}

// ---- Array ----------------------------------------------------------------------------------

Array::Array(const QJsonArray &array)
    : Array(fromQt<json::Array>(QJsonDocument(array)))
{ }

Value Array::at(qsizetype i) const
{
    if (i < 0 || i >= m_size)
        return Value(Value::Undefined);
    auto it = begin();
    while (i-- > 0)
        ++it;
    return *it;
}

Array Array::borrowed() const
{
    // A copy with its share given back: borrowed() is called once a page or record, not a read.
    Array array = *this;
    array.m_document = unowned(m_document);
    return array;
}

Array::const_iterator Array::begin() const
{
    return { this, m_size == 0 ? 0 : m_index + 1 };
}

Array::const_iterator Array::end() const
{
    return { this, m_size == 0 ? 0 : m_document->close(m_index) };
}

Value Array::const_iterator::operator*() const
{
    return Value(m_array->m_document, m_index);
}

Array::const_iterator &Array::const_iterator::operator++()
{
    m_index = m_array->m_document->after(m_index);
    return *this;
}

QJsonArray Array::toQt() const
{
    QJsonArray array;
    for (const Value &value : *this)
        array.append(value.toQt());
    return array;
}

// ---- Parsing --------------------------------------------------------------------------------

namespace {

// Documents given back when their last value goes (on any thread), for the next parse to reuse:
// a page's tape and strings are written into memory already mapped, not into fresh pages (a
// fault each 4 KiB, most of the network thread's time in the kernel). A few are kept: about as
// many as a sync holds at once (pages fetched ahead, staged, and in an open transaction), and
// only those made for answers of up to KeptCapacity bytes (a page of 500 records is about
// 0.5 MB), so that an unusually large answer's buffers are not kept.
class DocumentPool
{
public:
    static constexpr size_t Kept = 8;
    static constexpr size_t KeptCapacity = size_t(4) << 20;
    std::shared_ptr<Document> take()
    {
        Document *document = nullptr;
        {
            const std::lock_guard lock(m_mutex);
            if (!m_free.empty()) {
                document = m_free.back();
                m_free.pop_back();
            }
        }
        if (!document)
            document = new Document;
        return std::shared_ptr<Document>(document, [this](Document *d) { give(d); });
    }

private:
    void give(Document *document)
    {
        {
            const std::lock_guard lock(m_mutex);
            if (m_free.size() < Kept && document->doc.capacity() <= KeptCapacity) {
                m_free.push_back(document);
                return;
            }
        }
        delete document;
    }
    std::mutex m_mutex;
    std::vector<Document *> m_free;
};

// The text with every \u escape of a lone UTF-16 surrogate written as \ufffd (the same six
// bytes), or nothing when it has none. JSON allows them (RFC 8259 §8.2: a string cut in the
// middle of an emoji, as JavaScript writes it) and Qt reads them as U+FFFD; simdjson refuses
// the whole document.
std::optional<QByteArray> withoutLoneSurrogates(const QByteArray &bytes)
{
    const auto unitAt = [&](qsizetype i) -> int {
        // \uXXXX at i: the code unit, or -1
        if (i + 6 > bytes.size() || bytes.at(i) != '\\' || bytes.at(i + 1) != 'u')
            return -1;
        bool ok = false;
        const int unit = QByteArrayView(bytes).sliced(i + 2, 4).toInt(&ok, 16);
        return ok ? unit : -1;
    };
    const auto isHigh = [](int unit) {
        return unit >= 0xD800 && unit <= 0xDBFF;
    };
    const auto isLow = [](int unit) {
        return unit >= 0xDC00 && unit <= 0xDFFF;
    };
    std::optional<QByteArray> repaired;
    for (qsizetype i = bytes.indexOf('\\'); i >= 0 && i + 1 < bytes.size();
         i = bytes.indexOf('\\', i)) {
        const int unit = unitAt(i);
        if (unit < 0) {
            i += 2; // another escape (an escaped backslash among them)
            continue;
        }
        if (isHigh(unit) && isLow(unitAt(i + 6))) {
            i += 12;
            continue;
        }
        if (isHigh(unit) || isLow(unit)) {
            if (!repaired)
                repaired = bytes;
            repaired->replace(i, 6, "\\ufffd", 6);
        }
        i += 6;
    }
    return repaired;
}

} // namespace

Value parse(const QByteArray &bytes, QString *error)
{
    // One parser per thread: its buffers grow to the largest page and are reused; each document
    // keeps its own tape, reused by a later parse once the document goes (DocumentPool).
    thread_local simdjson::dom::parser parser;
    // Never destroyed: a value may outlive every static object (its deleter gives it back here).
    static DocumentPool *const pool = new DocumentPool;
    std::shared_ptr<Document> document = pool->take();
    simdjson::dom::element root;
    static_assert(ParsePadding >= qsizetype(simdjson::SIMDJSON_PADDING));
    const bool padded = bytes.capacity() - bytes.size() >= ParsePadding;
    const simdjson::error_code code
        = parser
              .parse_into_document(document->doc, bytes.constData(), size_t(bytes.size()), !padded)
              .get(root);
    if (code == simdjson::STRING_ERROR) {
        if (const std::optional<QByteArray> repaired = withoutLoneSurrogates(bytes))
            return parse(*repaired, error);
    }
    if (code != simdjson::SUCCESS) {
        if (error)
            *error = QString::fromLatin1(simdjson::error_message(code));
        return Value(Value::Undefined);
    }
    document->hashKeys();
    // The tape starts with the root word; the document's value follows it.
    return Value(std::shared_ptr<const Document>(std::move(document)), 1);
}

Array concat(const QList<Array> &arrays)
{
    if (arrays.size() == 1)
        return arrays.first();
    QJsonArray all;
    for (const Array &array : arrays) {
        for (const Value &value : array)
            all.append(value.toQt());
    }
    return all;
}

QString typeName(const Value &value)
{
    switch (value.type()) {
    case Value::Null:
        return u"null"_s;
    case Value::Bool:
        return u"boolean"_s;
    case Value::Double:
        return u"number"_s;
    case Value::String:
        return u"string"_s;
    case Value::Array:
        return u"array"_s;
    case Value::Object:
        return u"object"_s;
    case Value::Undefined:
        break;
    }
    return u"missing"_s;
}

} // namespace pds::json
