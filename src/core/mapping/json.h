#pragma once

// Read-only JSON for Pipedrive's answers, parsed by simdjson (libsimdjson-dev) into its tape and
// read in place. QJsonDocument::fromJson was nearly all of the network thread's time and
// QJsonObject's lookups a third of the stage worker's; simdjson parses a page in a seventh of the
// instructions and a lookup here is a scan of the record's keys on the tape.
//
// The classes read like QJsonValue, QJsonObject and QJsonArray (the same names and defaults), so
// the mapping reads either. Each value keeps its document alive. Qt's types convert to them
// (serialised and parsed again: for tests and small answers, not for pages).

#include <QAnyStringView>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <cstring>
#include <memory>
#include <string_view>

namespace pds::json {

class Document;
class Object;
class Array;

class Value
{
public:
    enum Type { Null, Bool, Double, String, Array, Object, Undefined };

    Value() = default; // null, as QJsonValue()
    Value(Type type); // Null or Undefined
    Value(const QString &text); // a string of one's own
    Value(const QJsonValue &value);

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Null; }
    bool isUndefined() const { return m_type == Undefined; }
    bool isBool() const { return m_type == Bool; }
    bool isDouble() const { return m_type == Double; }
    bool isString() const { return m_type == String; }
    bool isArray() const { return m_type == Array; }
    bool isObject() const { return m_type == Object; }

    bool toBool(bool defaultValue = false) const;
    double toDouble(double defaultValue = 0) const;
    int toInt(int defaultValue = 0) const;
    QString toString() const;
    QString toString(const QString &defaultValue) const;
    // A string's UTF-8 bytes where they lie in the parsed document, without a copy; empty for
    // other values and for a string of one's own (toString() has it).
    QByteArrayView utf8InPlace() const;
    json::Object toObject() const;
    json::Array toArray() const;
    // An object's member (undefined when absent or not an object).
    Value operator[](QAnyStringView key) const;
    // This value without a share in its document: see Object::borrowed().
    Value borrowed() const;

    QJsonValue toQt() const;

private:
    friend Value parse(const QByteArray &bytes, QString *error);
    friend class json::Object;
    friend class json::Array;
    Value(std::shared_ptr<const Document> document, quint32 index);

    std::shared_ptr<const Document> m_document;
    quint32 m_index = 0;
    Type m_type = Null;
    QString m_text; // a string not on a tape
};

// The hash of a member's name in an object's key table: the first and the last eight bytes
// (Pipedrive's keys differ there; custom fields' 40-hex keys at both ends) and the length.
// Inline, so that a key written in the code is hashed where it is written.
inline quint32 keyHash(std::string_view key)
{
    quint64 head = 0;
    quint64 tail = 0;
    const size_t size = key.size();
    if (size >= 8) {
        std::memcpy(&head, key.data(), 8);
        std::memcpy(&tail, key.data() + size - 8, 8);
    } else if (size >= 4) {
        // Short keys ("id", "name", "owner_id") read in two overlapping loads, not byte by byte
        // (that loop was an eighth of making a page's key tables).
        quint32 first;
        quint32 last;
        std::memcpy(&first, key.data(), 4);
        std::memcpy(&last, key.data() + size - 4, 4);
        head = first | quint64(last) << 32;
    } else if (size > 0) {
        head = uchar(key[0]) | quint64(uchar(key[size / 2])) << 8
            | quint64(uchar(key[size - 1])) << 16;
    }
    const quint64 h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ key.size();
    return quint32(h ^ (h >> 32));
}

// A key written in the code, passed on through functions that read it from several records (a
// time's key, say): its UTF-8 and keyHash() worked out where it is written, as
// Object::value(const char (&)[N]) does, not in each lookup through QAnyStringView.
struct Key
{
    template<std::size_t N>
    Key(const char (&key)[N])
        : utf8(key, N - 1)
        , hash(keyHash(utf8))
    {
        // A literal, not a buffer with room to spare.
        Q_ASSERT(std::char_traits<char>::length(key) == N - 1);
    }
    // Bytes that outlive the key, and their keyHash() (worked out once for many lookups).
    Key(std::string_view bytes, quint32 bytesHash)
        : utf8(bytes)
        , hash(bytesHash)
    { }
    bool isEmpty() const { return utf8.empty(); }
    QString toString() const { return QString::fromUtf8(utf8.data(), qsizetype(utf8.size())); }

    std::string_view utf8;
    quint32 hash;
};

class Object
{
public:
    Object() = default;
    Object(const QJsonObject &object);

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // The member's value; undefined when absent. The first of duplicate keys wins (Qt keeps the
    // last); Pipedrive sends none.
    Value value(QAnyStringView key) const;
    // A key written in the code (UTF-8): its size and hash worked out where it is written, not
    // at every lookup (a lookup was ~140 instructions, half of them finding the key's bytes and
    // hashing them).
    template<std::size_t N> Value value(const char (&key)[N]) const { return value(Key(key)); }
    Value value(const Key &key) const { return value(key.utf8, key.hash); }
    // A key as UTF-8 and its keyHash().
    Value value(std::string_view utf8, quint32 hash) const;
    Value operator[](QAnyStringView key) const { return value(key); }
    bool contains(QAnyStringView key) const { return !value(key).isUndefined(); }
    QStringList keys() const;
    // This object without a share in its document: what is read through it counts no references.
    // Each count is an atomic operation, and a contended one when the stage worker and the sync
    // thread read records of one page. Valid only while another share of the document lives (the
    // object it was borrowed from): for reading at once, never for keeping.
    Object borrowed() const;

    class const_iterator
    {
    public:
        QString key() const;
        Value value() const;
        Value operator*() const { return value(); }
        const_iterator &operator++();
        bool operator==(const const_iterator &other) const { return m_index == other.m_index; }
        bool operator!=(const const_iterator &other) const { return m_index != other.m_index; }

    private:
        friend class json::Object;
        const_iterator(const Object *object, quint32 index)
            : m_object(object)
            , m_index(index)
        { }
        const Object *m_object;
        quint32 m_index; // the key's place on the tape
    };
    const_iterator begin() const;
    const_iterator end() const;
    const_iterator constBegin() const { return begin(); }
    const_iterator constEnd() const { return end(); }

    QJsonObject toQt() const;

private:
    friend class Value;
    quint32 first() const { return m_index + 1; }

    std::shared_ptr<const Document> m_document;
    quint32 m_index = 0; // the '{' on the tape
    qsizetype m_size = 0;
    // A larger object's keys, hashed when the document was parsed (see Document::hashKeys()):
    // the tape index of each key by its hash, mask + 1 entries; null for a small object.
    const quint32 *m_keys = nullptr;
    quint32 m_mask = 0;
};

class Array
{
public:
    Array() = default;
    Array(const QJsonArray &array);

    qsizetype size() const { return m_size; }
    qsizetype count() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // Linear in i: iterate to read them all.
    Value at(qsizetype i) const;
    Value first() const { return at(0); }
    // The very same array of the same parsed document (not an equal one).
    bool sameAs(const Array &other) const
    {
        return m_document == other.m_document && m_index == other.m_index;
    }
    // This array without a share in its document: see Object::borrowed().
    Array borrowed() const;

    class const_iterator
    {
    public:
        Value operator*() const;
        const_iterator &operator++();
        bool operator==(const const_iterator &other) const { return m_index == other.m_index; }
        bool operator!=(const const_iterator &other) const { return m_index != other.m_index; }

    private:
        friend class json::Array;
        const_iterator(const Array *array, quint32 index)
            : m_array(array)
            , m_index(index)
        { }
        const Array *m_array;
        quint32 m_index;
    };
    const_iterator begin() const;
    const_iterator end() const;

    QJsonArray toQt() const;

private:
    friend class Value;
    std::shared_ptr<const Document> m_document;
    quint32 m_index = 0; // the '[' on the tape
    qsizetype m_size = 0;
};

// Parses a whole document. On failure returns undefined and says why in *error. The parser reads
// up to ParsePadding bytes past the text: bytes whose capacity leaves that much room are parsed
// where they are, others copied first.
Value parse(const QByteArray &bytes, QString *error);
inline constexpr qsizetype ParsePadding = 64; // simdjson's SIMDJSON_PADDING

// The items of several arrays as one (a list read page by page). A single array is returned as
// it is; several are copied into a document of their own.
Array concat(const QList<Array> &arrays);

// A short description of a value's type for problem details ("string", "array", ...).
QString typeName(const Value &value);

} // namespace pds::json
