// json::Value/Object/Array (simdjson's tape read in place) read what QJsonDocument reads: the same
// values, types and defaults, for the documents Pipedrive sends and for the odd ones.

#include "fakedataset.h"
#include "mapping/json.h"
#include "mapping/jsonreader.h"
#include "mixedtexts.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pds;

class TestJson : public QObject
{
    Q_OBJECT

private slots:
    void readsWhatQtReads_data();
    void readsWhatQtReads();
    void readsAGeneratedAccountAsQtDoes();
    void looksUpKeysOfAnyStringKind();
    void looksUpKeysWrittenInTheCode();
    void findsEveryKeyOfALargeObject();
    void findsEveryKeyOfLargeObjectsAtAnyDepth();
    void findsKeysThatFollowLargeNestedObjects();
    void answersDefaultsForOtherTypes();
    void iteratesObjectsAndArraysInDocumentOrder();
    void convertsFromQtTypes();
    void joinsPagesIntoOneArray();
    void readsLoneSurrogatesAsReplacementCharacters();
    void refusesInvalidJsonWithAReason_data();
    void refusesInvalidJsonWithAReason();
    void parsesInPlaceWhatItParsesCopied();
    void readsStringsOfAnyLengthAndCharacters();
    void keepsItsDocumentAlive();
    void readsADocumentParsedWhereAnotherWas();
    void borrowedReadsWhatItsOwnerReads();
};

void TestJson::readsWhatQtReads_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty object") << QByteArray("{}");
    QTest::newRow("empty array") << QByteArray("[]");
    QTest::newRow("scalars") << QByteArray(R"({"t":true,"f":false,"n":null,"s":"x","d":1.5})");
    QTest::newRow("integers") << QByteArray(
        R"([0,-1,42,9007199254740993,-9223372036854775808,18446744073709551615])");
    QTest::newRow("doubles") << QByteArray(R"([1e300,-2.5e-300,0.1,123456789.125,-0.0])");
    QTest::newRow("escapes") << QByteArray(R"({"a\"b":"line\nbreak \u00e9 \ud83d\ude00 \\ \/"})");
    QTest::newRow("utf-8 keys and values") << QByteArray("{\"n\xc3\xa4me\":\"Z\xc3\xbcrich\"}");
    QTest::newRow("nested") << QByteArray(
        R"({"data":[{"id":1,"emails":[{"value":"a@x.test","primary":true}],"address":{"value":"Main St 1","locality":"Tartu"},"custom_fields":{}},{"id":2,"x":[[],[{}],[[1]]]}],"additional_data":{"next_cursor":null}})");
    QTest::newRow("top-level scalar") << QByteArray("42");
}

void TestJson::readsWhatQtReads()
{
    QFETCH(QByteArray, json);
    QString error;
    const json::Value ours = json::parse(json, &error);
    QVERIFY2(!ours.isUndefined(), qPrintable(error));
    const QJsonValue theirs = QJsonDocument::fromJson("[" + json + "]").array().at(0);
    QCOMPARE(ours.toQt(), theirs);
    QCOMPARE(int(ours.type()), int(theirs.type()));
}

void TestJson::readsAGeneratedAccountAsQtDoes()
{
    // Every entity of a generated account, as one page each: custom fields, nested v2 objects,
    // long texts with markup and non-ASCII names.
    const test::FakeDataset data
        = test::FakeDataset::generate(7, test::DatasetSizes::fromTotal(800));
    for (const test::Entity entity :
        { test::Entity::Users, test::Entity::Organizations, test::Entity::Persons,
            test::Entity::Deals, test::Entity::Activities, test::Entity::Notes }) {
        QJsonArray records;
        for (const QJsonObject &record : data.records(entity))
            records.append(record);
        QVERIFY(!records.isEmpty());
        const QByteArray page
            = QJsonDocument(QJsonObject { { u"success"_s, true }, { u"data"_s, records } })
                  .toJson(QJsonDocument::Compact);
        QString error;
        const json::Object ours = json::parse(page, &error).toObject();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(ours.toQt(), QJsonDocument::fromJson(page).object());
        // Each record's members read one by one as Qt's.
        qsizetype i = 0;
        for (const json::Value &record : ours.value("data"_L1).toArray()) {
            const QJsonObject qt = records.at(i++).toObject();
            const json::Object object = record.toObject();
            for (auto it = qt.begin(); it != qt.end(); ++it)
                QCOMPARE(object.value(it.key()).toQt(), it.value());
            QVERIFY(object.value(u"no_such_key").isUndefined());
        }
        QCOMPARE(i, records.size());
    }
}

void TestJson::looksUpKeysOfAnyStringKind()
{
    const json::Object object
        = json::parse("{\"id\":7,\"n\xc3\xa4me\":\"x\",\"owner_id\":{\"value\":3}}", nullptr)
              .toObject();
    QCOMPARE(object.size(), 3);
    QCOMPARE(object.value("id"_L1).toInt(), 7);
    QCOMPARE(object.value(u"id").toInt(), 7);
    QCOMPARE(object.value(u"id"_s).toInt(), 7);
    QCOMPARE(object.value(QUtf8StringView("id")).toInt(), 7);
    QCOMPARE(object.value(u"n\u00e4me").toString(), u"x"_s);
    QCOMPARE(object.value(QLatin1StringView("n\xe4me")).toString(), u"x"_s);
    QCOMPARE(object[u"owner_id"][u"value"].toInt(), 3);
    QVERIFY(object.contains(u"owner_id"));
    QVERIFY(!object.contains(u"owner"));
    QVERIFY(!object.contains(u"id2"));
    QVERIFY(object.value(u"missing").isUndefined());
    QVERIFY(object[u"id"][u"value"].isUndefined());

    // UTF-16 keys of eight characters or more (read eight at a time), one of them not ASCII
    // within its first eight.
    const json::Object longer = json::parse("{\"gr\xc3\xb6\xc3\x9f"
                                            "enordnung\":1,"
                                            "\"6b40bff56586ac6e9e3b4108dc6713e8495e1962\":2,"
                                            "\"grossenordnung\":3}",
        nullptr)
                                    .toObject();
    QCOMPARE(longer.value(u"gr\u00f6\u00dfenordnung").toInt(), 1);
    QCOMPARE(longer.value(u"6b40bff56586ac6e9e3b4108dc6713e8495e1962"_s).toInt(), 2);
    QCOMPARE(longer.value(u"grossenordnung").toInt(), 3);
    QVERIFY(longer.value(u"6b40bff56586ac6e9e3b4108dc6713e8495e1963"_s).isUndefined());
    // Latin-1 keys (checked eight bytes at a time): not ASCII in the first eight bytes, after
    // them, or not at all.
    QCOMPARE(longer
                 .value(QLatin1StringView("gr\xf6\xdf"
                                          "enordnung"))
                 .toInt(),
        1);
    QCOMPARE(longer.value(QLatin1StringView("grossenordn\xfcng")).toInt(-1), -1);
    QCOMPARE(longer.value("grossenordnung"_L1).toInt(), 3);
    const json::Object accented = json::parse("{\"grossenordn\xc3\xbcng\":4}", nullptr).toObject();
    QCOMPARE(accented.value(QLatin1StringView("grossenordn\xfcng")).toInt(), 4);
}

// Keys written in the code (literals: json::Object::value(const char (&)[N]), their size and
// hash worked out where they are written) find what the same keys as strings find: in an object
// read through its key table (12 members or more) and in a small one, through jsonreader too.
void TestJson::looksUpKeysWrittenInTheCode()
{
    const json::Object large
        = json::parse("{\"id\":1,\"name\":\" n \",\"owner_id\":3,\"org_id\":\"4\",\"person_id\":5,"
                      "\"add_time\":\"t\",\"a\":7,\"bb\":8,\"ccc\":9,\"n\xc3\xa4me\":10,"
                      "\"6b40bff56586ac6e9e3b4108dc6713e8495e1962\":11,\"\":12,\"active\":true}",
            nullptr)
              .toObject();
    QCOMPARE(large.size(), 13);
    QCOMPARE(large.value("id").toInt(), 1);
    QCOMPARE(large.value("owner_id").toInt(), 3);
    QCOMPARE(large.value("person_id").toInt(), 5);
    QCOMPARE(large.value("add_time").toString(), u"t"_s);
    QCOMPARE(large.value("a").toInt(), 7);
    QCOMPARE(large.value("bb").toInt(), 8);
    QCOMPARE(large.value("ccc").toInt(), 9);
    QCOMPARE(large.value("n\xc3\xa4me").toInt(), 10);
    QCOMPARE(large.value("6b40bff56586ac6e9e3b4108dc6713e8495e1962").toInt(), 11);
    QCOMPARE(large.value("").toInt(), 12);
    QVERIFY(large.value("i").isUndefined());
    QVERIFY(large.value("idx").isUndefined());
    QVERIFY(large.value("6b40bff56586ac6e9e3b4108dc6713e8495e1963").isUndefined());
    QCOMPARE(mapping::readId(large, "org_id"), std::optional<qint64>(4));
    QCOMPARE(mapping::readText(large, "name"), std::optional<QString>(u"n"_s));
    QCOMPARE(mapping::readNumber(large, "ccc"), std::optional<double>(9));
    QCOMPARE(mapping::readBool(large, "active"), std::optional<bool>(true));
    QCOMPARE(mapping::readId(large, "missing"), std::nullopt);
    // Passed on as a json::Key, as the mapping passes a time's key: the same members.
    const auto viaKey = [](const json::Object &object, const json::Key &key) {
        return object.value(key);
    };
    QCOMPARE(viaKey(large, "owner_id").toInt(), 3);
    QCOMPARE(viaKey(large, "add_time").toString(), u"t"_s);
    QCOMPARE(viaKey(large, "n\xc3\xa4me").toInt(), 10);
    QCOMPARE(viaKey(large, "6b40bff56586ac6e9e3b4108dc6713e8495e1962").toInt(), 11);
    QCOMPARE(viaKey(large, "").toInt(), 12);
    QVERIFY(viaKey(large, "idx").isUndefined());
    QCOMPARE(json::Key("n\xc3\xa4me").toString(), u"n\u00e4me"_s);

    const json::Object small = json::parse("{\"id\":7,\"\":2,\"idx\":3}", nullptr).toObject();
    QCOMPARE(small.value("id").toInt(), 7);
    QCOMPARE(small.value("").toInt(), 2);
    QCOMPARE(small.value("idx").toInt(), 3);
    QVERIFY(small.value("i").isUndefined());
    QCOMPARE(viaKey(small, "idx").toInt(), 3);
    QCOMPARE(viaKey(small, "").toInt(), 2);
    QVERIFY(viaKey(small, "i").isUndefined());
}

void TestJson::findsEveryKeyOfALargeObject()
{
    // An object of 12 members or more is read through its key table: keys alike at both ends
    // (custom fields), keys of every length, a duplicate (the first counts, as a scan finds it)
    // and absent keys.
    QByteArray text = "{";
    QStringList keys;
    for (int i = 0; i < 300; ++i) {
        const QString key = i % 3 == 0 ? u"custom_%1_field"_s.arg(i, 4, 10, QLatin1Char('0'))
            : i % 3 == 1               ? QString(i % 17 + 1, QLatin1Char('a' + i % 26))
                                       : u"k"_s + QString::number(i);
        if (keys.contains(key))
            continue;
        keys << key;
        text += "\"" + key.toUtf8() + "\":" + QByteArray::number(keys.size()) + ",";
    }
    text += "\"" + keys.first().toUtf8() + "\":-1}";
    const json::Object object = json::parse(text, nullptr).toObject();
    QCOMPARE(object.size(), keys.size() + 1);
    for (int round = 0; round < 2; ++round) {
        for (qsizetype i = 0; i < keys.size(); ++i)
            QCOMPARE(object.value(keys.at(i)).toInt(), int(i + 1));
        QVERIFY(object.value(u"custom_0001_field").isUndefined());
        QVERIFY(object.value(u"k0").isUndefined());
        QVERIFY(object.value(u"").isUndefined());
    }
    QCOMPARE(object.value(keys.first()).toInt(), 1);
}

void TestJson::findsEveryKeyOfLargeObjectsAtAnyDepth()
{
    // Large objects side by side and inside one another, as a page holds its records and their
    // custom fields, and deeper than the key tables go (those are scanned): each finds its own
    // keys, and none another object's.
    const auto large = [](const QByteArray &name, const QByteArray &inner) {
        QByteArray text = "{";
        for (int i = 0; i < 20; ++i)
            text += "\"" + name + "_" + QByteArray::number(i) + "\":" + QByteArray::number(i) + ",";
        return text + "\"inner\":" + (inner.isEmpty() ? QByteArray("null") : inner) + "}";
    };
    const QByteArray deepest = large("e", {});
    const QByteArray text = "{\"data\":[" + large("a", large("b", {})) + ","
        + large("c", "[" + large("d", "{\"x\":" + deepest + "}") + "]") + "],"
        + "\"additional_data\":" + large("f", {}) + "}";
    const json::Object root = json::parse(text, nullptr).toObject();
    const json::Array data = root.value("data").toArray();
    QCOMPARE(data.size(), 2);
    const json::Object a = data.at(0).toObject();
    const json::Object b = a.value("inner").toObject();
    const json::Object c = data.at(1).toObject();
    const json::Object d = c.value("inner").toArray().at(0).toObject();
    const json::Object e = d.value("inner").toObject().value("x").toObject();
    const json::Object f = root.value("additional_data").toObject();
    const QList<std::pair<QByteArray, json::Object>> objects { { "a", a }, { "b", b }, { "c", c },
        { "d", d }, { "e", e }, { "f", f } };
    for (const auto &[name, object] : objects) {
        QCOMPARE(object.size(), 21);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(
                object.value(QString::fromLatin1(name + "_" + QByteArray::number(i))).toInt(-1), i);
            for (const auto &[other, unused] : objects) {
                if (other != name)
                    QVERIFY(object.value(QString::fromLatin1(other + "_" + QByteArray::number(i)))
                                .isUndefined());
            }
        }
    }
}

void TestJson::findsKeysThatFollowLargeNestedObjects()
{
    // An object whose own keys come after twelve large nested objects, values of one or two words
    // of the tape: the nested objects' key tables outgrow what was set aside for the tape while
    // the outer object's table is being filled, and its keys after them must still be found.
    QByteArray text = "{";
    for (int o = 0; o < 12; ++o) {
        text += "\"i" + QByteArray::number(o) + "\":{";
        for (int i = 0; i < 17; ++i)
            text += (i > 0 ? "," : "") + QByteArray("\"n") + QByteArray::number(i) + "\":null";
        text += "},";
    }
    for (int k = 0; k < 12; ++k)
        text += (k > 0 ? "," : "") + QByteArray("\"k") + QByteArray::number(k)
            + "\":" + QByteArray::number(100 + k);
    const json::Object root = json::parse(text + "}", nullptr).toObject();
    QCOMPARE(root.size(), 24);
    for (int k = 0; k < 12; ++k) {
        const QByteArray n = QByteArray::number(k);
        QCOMPARE(root.value(QString::fromLatin1("k" + n)).toInt(-1), 100 + k);
        const json::Object nested = root.value(QString::fromLatin1("i" + n)).toObject();
        QCOMPARE(nested.size(), 17);
        for (int i = 0; i < 17; ++i)
            QVERIFY(nested.value(QString::fromLatin1("n" + QByteArray::number(i))).isNull());
        QVERIFY(nested.value(QString::fromLatin1("k" + n)).isUndefined());
    }
}

void TestJson::answersDefaultsForOtherTypes()
{
    const json::Object object = json::parse(
        R"({"s":"text","d":1.5,"i":3,"b":true,"n":null,"a":[1],"o":{"k":1}})", nullptr)
                                    .toObject();
    const json::Value s = object.value(u"s"), d = object.value(u"d"), i = object.value(u"i"),
                      b = object.value(u"b"), n = object.value(u"n"), a = object.value(u"a"),
                      o = object.value(u"o"), missing = object.value(u"x");
    // As QJsonValue: a value of another type reads as the default.
    QCOMPARE(d.toString(), QString());
    QCOMPARE(s.toString(u"dflt"_s), u"text"_s);
    QCOMPARE(d.toString(u"dflt"_s), u"dflt"_s);
    QCOMPARE(s.toDouble(-1), -1.0);
    QCOMPARE(d.toDouble(), 1.5);
    QCOMPARE(d.toInt(-1), -1); // not a whole number
    QCOMPARE(i.toInt(-1), 3);
    QCOMPARE(s.toBool(true), true);
    QCOMPARE(b.toBool(), true);
    QCOMPARE(i.toBool(), false);
    QVERIFY(n.isNull());
    QVERIFY(!n.isUndefined());
    QVERIFY(missing.isUndefined());
    QVERIFY(json::Value().isNull());
    QVERIFY(a.toObject().isEmpty());
    QVERIFY(o.toArray().isEmpty());
    QCOMPARE(a.toArray().size(), 1);
    QCOMPARE(o.toObject().size(), 1);
    QVERIFY(a.toArray().at(5).isUndefined());
    QCOMPARE(json::typeName(missing), u"missing"_s);
    QCOMPARE(json::typeName(a), u"array"_s);
    QCOMPARE(json::typeName(d), u"number"_s);
}

void TestJson::iteratesObjectsAndArraysInDocumentOrder()
{
    const json::Object object
        = json::parse(R"({"z":1,"a":[3,{"x":[]},"s",null,4.5],"m":{}})", nullptr).toObject();
    QCOMPARE(object.keys(), (QStringList { u"z"_s, u"a"_s, u"m"_s }));
    QStringList keys;
    for (auto it = object.begin(); it != object.end(); ++it) {
        keys << it.key();
        QCOMPARE(it.value().toQt(), object.value(it.key()).toQt());
    }
    QCOMPARE(keys, object.keys());
    QList<int> types;
    for (const json::Value &value : object.value(u"a").toArray())
        types << int(value.type());
    QCOMPARE(types,
        (QList<int> { json::Value::Double, json::Value::Object, json::Value::String,
            json::Value::Null, json::Value::Double }));
    QCOMPARE(object.value(u"a").toArray().at(2).toString(), u"s"_s);
    QCOMPARE(object.value(u"a").toArray().at(4).toDouble(), 4.5);
    int n = 0;
    for (auto it = object.value(u"m").toObject().begin(); it != object.value(u"m").toObject().end();
         ++it)
        ++n;
    QCOMPARE(n, 0);
}

void TestJson::convertsFromQtTypes()
{
    const QJsonObject qt { { u"id"_s, 5 }, { u"name"_s, u"Acme"_s },
        { u"tags"_s, QJsonArray { 1, u"two"_s } } };
    const json::Object object = qt;
    QCOMPARE(object.value(u"id").toInt(), 5);
    QCOMPARE(object.toQt(), qt);
    const json::Array array = QJsonArray { true, 2.5 };
    QCOMPARE(array.toQt(), (QJsonArray { true, 2.5 }));
    QCOMPARE(json::Value(QJsonValue(u"s"_s)).toString(), u"s"_s);
    QCOMPARE(json::Value(QJsonValue(12)).toInt(), 12);
    QVERIFY(json::Value(QJsonValue(QJsonValue::Undefined)).isUndefined());
    QVERIFY(json::Value(QJsonValue()).isNull());
    QCOMPARE(json::Value(u"own"_s).toString(), u"own"_s);
}

void TestJson::joinsPagesIntoOneArray()
{
    const json::Array first = json::parse(R"([{"id":1},"two"])", nullptr).toArray();
    const json::Array second = json::parse(R"([3,null])", nullptr).toArray();
    // One page is the page itself, not a copy.
    QVERIFY(json::concat({ first }).sameAs(first));
    QCOMPARE(json::concat({ first, second }).toQt(),
        (QJsonArray { QJsonObject { { u"id"_s, 1 } }, u"two"_s, 3, QJsonValue() }));
    QCOMPARE(json::concat({ first, json::Array(), second }).size(), 4);
    QVERIFY(json::concat({}).isEmpty());
}

// A text cut in the middle of an emoji (JavaScript's JSON.stringify() writes the half it has):
// RFC 8259 allows a lone surrogate, and one such name must not make a page unreadable. Qt keeps
// the half in its QString; it is read here as U+FFFD, what its UTF-8 would hold.
void TestJson::readsLoneSurrogatesAsReplacementCharacters()
{
    QString error;
    const json::Object high
        = json::parse(R"({"name":"x\ud83d","id":1,"note":"\\ud83d \ud83d\ude00"})", &error)
              .toObject();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(high.value("name").toString(), u"x\ufffd"_s);
    QCOMPARE(high.value("id").toInt(), 1);
    // An escaped backslash before "ud83d" is text, and a pair stays a pair.
    QCOMPARE(high.value("note").toString(), u"\\ud83d \U0001F600"_s);
    const json::Array others
        = json::parse(R"(["\ude00y", "\ude00\ud83d", "\ud83d\u0041", "\ud83d"])", &error).toArray();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(others.size(), 4);
    QCOMPARE(others.at(0).toString(), u"\ufffdy"_s);
    QCOMPARE(others.at(1).toString(), u"\ufffd\ufffd"_s);
    QCOMPARE(others.at(2).toString(), u"\ufffdA"_s);
    QCOMPARE(others.at(3).toString(), u"\ufffd"_s);
    // Other faults in strings are still refused.
    QVERIFY(json::parse(R"(["\ud83d", "\q"])", &error).isUndefined());
    QVERIFY(!error.isEmpty());
}

void TestJson::refusesInvalidJsonWithAReason_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("cut") << QByteArray(R"({"data":[{"id":1})");
    QTest::newRow("trailing comma") << QByteArray(R"({"a":1,})");
    QTest::newRow("bad utf-8") << QByteArray("{\"a\":\"\xff\"}");
    QTest::newRow("html") << QByteArray("<html>");
    QTest::newRow("two values") << QByteArray("{} {}");
}

// The same text with room after it (parsed in place, json::ParsePadding), that room filled with
// what would complete or change a document: the parser must not read it.
QByteArray withRoom(const QByteArray &json, const QByteArray &fill)
{
    QByteArray bytes;
    bytes.reserve(json.size() + json::ParsePadding);
    bytes.append(json);
    while (bytes.size() < json.size() + json::ParsePadding)
        bytes.append(fill);
    bytes.resize(json.size());
    return bytes;
}

void TestJson::refusesInvalidJsonWithAReason()
{
    QFETCH(QByteArray, json);
    QString error;
    QVERIFY(json::parse(json, &error).isUndefined());
    QVERIFY(!error.isEmpty());
    QVERIFY(QJsonDocument::fromJson(json).isNull()); // Qt refuses it too
    for (const QByteArray &fill : { QByteArray("]}"), QByteArray("\"x\"}"), QByteArray(" ") }) {
        const QByteArray roomy = withRoom(json, fill);
        QVERIFY(roomy.capacity() - roomy.size() >= json::ParsePadding);
        error.clear();
        QVERIFY(json::parse(roomy, &error).isUndefined());
        QVERIFY(!error.isEmpty());
    }
}

void TestJson::parsesInPlaceWhatItParsesCopied()
{
    const QByteArray json = R"({"data":[{"id":1,"name":"Ada"},{"id":2,"tags":[true,null,1.5]}],)"
                            R"("additional_data":{"next_cursor":"abc"}})";
    const QByteArray tight(json.constData(), json.size());
    const QJsonValue copied = json::parse(tight, nullptr).toQt();
    QCOMPARE(copied, QJsonValue(QJsonDocument::fromJson(json).object()));
    for (const QByteArray &fill : { QByteArray("]}"), QByteArray(",\"more\":1}"), QByteArray("{") })
        QCOMPARE(json::parse(withRoom(json, fill), nullptr).toQt(), copied);
}

// Short ASCII strings are copied as they are (asciitext.h), the others decoded by Qt: every string
// reads as Qt reads it, wherever a character outside ASCII stands.
void TestJson::readsStringsOfAnyLengthAndCharacters()
{
    const QStringList texts = pds::test::mixedTexts();
    QJsonArray array;
    for (const QString &text : texts)
        array.append(text);
    const QByteArray bytes = QJsonDocument(array).toJson(QJsonDocument::Compact);
    const json::Array parsed = json::parse(bytes, nullptr).toArray();
    QCOMPARE(parsed.size(), texts.size());
    for (qsizetype i = 0; i < texts.size(); ++i) {
        QCOMPARE(parsed.at(i).toString(), texts.at(i));
        QCOMPARE(mapping::readText(parsed.at(i)).value_or(u"(none)"_s),
            texts.at(i).trimmed().isEmpty() ? u"(none)"_s : texts.at(i).trimmed());
    }
}

void TestJson::keepsItsDocumentAlive()
{
    // Values outlive the parse and every object and array they came from.
    json::Value name;
    json::Array items;
    {
        const json::Object body
            = json::parse(R"({"data":[{"name":"kept"}],"more":[1,2]})", nullptr).toObject();
        name = body.value(u"data").toArray().first().toObject().value(u"name");
        items = body.value(u"more").toArray();
    }
    QCOMPARE(name.toString(), u"kept"_s);
    QCOMPARE(items.toQt(), (QJsonArray { 1, 2 }));
}

void TestJson::readsADocumentParsedWhereAnotherWas()
{
    // A document gone is reused by the next parse (its tape and strings, its key tables made
    // again): nothing of the one before shows through, whether the new one is smaller or larger,
    // and a document still held is not reused.
    const auto large = [](const QByteArray &prefix, int members) {
        QByteArray text = "{";
        for (int i = 0; i < members; ++i)
            text += (i ? "," : "") + ("\"" + prefix + QByteArray::number(i) + "\":")
                + QByteArray::number(i);
        return text + "}";
    };
    const json::Object held = json::parse(large("h", 40), nullptr).toObject();
    for (int round = 0; round < 4; ++round) {
        {
            const json::Object first = json::parse(large("a", 30), nullptr).toObject();
            QCOMPARE(first.value(u"a29").toInt(-1), 29);
        }
        {
            const json::Object other = json::parse(large("c", 20), nullptr).toObject();
            QCOMPARE(other.value(u"c19").toInt(-1), 19);
            QVERIFY(other.value(u"a19").isUndefined());
        }
        {
            const json::Object small = json::parse(R"({"b":1,"c3":2})", nullptr).toObject();
            QCOMPARE(small.value(u"c3").toInt(-1), 2);
            QCOMPARE(small.value(u"b").toInt(-1), 1);
            QVERIFY(small.value(u"c4").isUndefined());
        }
        const json::Object nested
            = json::parse("{\"x\":" + large("d", 14) + "}", nullptr).toObject();
        QCOMPARE(nested.value(u"x").toObject().value(u"d13").toInt(-1), 13);
    }
    QCOMPARE(held.value(u"h39").toInt(-1), 39);
    QVERIFY(held.value(u"a29").isUndefined());
}

void TestJson::borrowedReadsWhatItsOwnerReads()
{
    // A borrowed page, record or value (no share in the document, for reading while the owner
    // lives) reads every member, nested object and array as the one it was borrowed from.
    const test::FakeDataset data
        = test::FakeDataset::generate(3, test::DatasetSizes::fromTotal(400));
    for (const test::Entity entity : { test::Entity::Persons, test::Entity::Deals }) {
        QJsonArray records;
        for (const QJsonObject &record : data.records(entity))
            records.append(record);
        const json::Array owned
            = json::parse(QJsonDocument(records).toJson(QJsonDocument::Compact), nullptr).toArray();
        QCOMPARE(owned.size(), records.size());
        const json::Array borrowed = owned.borrowed();
        QVERIFY(borrowed.sameAs(owned));
        QCOMPARE(borrowed.toQt(), records);
        qsizetype i = 0;
        for (const json::Value &value : borrowed) {
            const QJsonObject qt = records.at(i++).toObject();
            const json::Object record = value.toObject().borrowed();
            QCOMPARE(record.size(), qt.size());
            for (auto it = qt.begin(); it != qt.end(); ++it) {
                QCOMPARE(record.value(it.key()).toQt(), it.value());
                QCOMPARE(record.value(it.key()).borrowed().toQt(), it.value());
            }
            QVERIFY(record.value(u"no_such_key").isUndefined());
        }
        QCOMPARE(i, records.size());
    }
}

QTEST_GUILESS_MAIN(TestJson)
#include "tst_json.moc"
