// Proves the OpenAPI reader right on Pipedrive's own files: it accepts the spec's example bodies
// and rejects mutated ones with the JSON path of the fault.
#include "openapivalidator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using pds::test::OpenApiValidator;

namespace {

QString specPath(const QString &version)
{
    return QStringLiteral(PDS_SHARED_DIR) + u"/pipedrive/openapi/"_s + version + u".json"_s;
}

// Sets (or, with an undefined value, removes) the value at "data/0/owner_id".
QJsonValue mutated(const QJsonValue &node, QStringList parts, const QJsonValue &newValue)
{
    const QString head = parts.takeFirst();
    if (node.isArray()) {
        QJsonArray array = node.toArray();
        const int index = head.toInt();
        if (parts.isEmpty()) {
            if (newValue.isUndefined())
                array.removeAt(index);
            else
                array[index] = newValue;
        } else {
            array[index] = mutated(array.at(index), parts, newValue);
        }
        return array;
    }
    QJsonObject object = node.toObject();
    if (parts.isEmpty()) {
        if (newValue.isUndefined())
            object.remove(head);
        else
            object.insert(head, newValue);
    } else {
        object.insert(head, mutated(object.value(head), parts, newValue));
    }
    return object;
}

// JSON written with single quotes keeps the fixtures readable without raw strings, which
// moc (6.4) mis-parses when they contain '#'.
QJsonObject parseObject(const char *json)
{
    const QJsonObject object
        = QJsonDocument::fromJson(QByteArray(json).replace('\'', '"')).object();
    if (object.isEmpty())
        qFatal("fixture is not a JSON object: %s", json);
    return object;
}

} // namespace

class TestOpenApiValidator : public QObject
{
    Q_OBJECT

private:
    OpenApiValidator m_v1;
    OpenApiValidator m_v2;

    const OpenApiValidator &spec(const QString &version) const
    {
        return version == "v1"_L1 ? m_v1 : m_v2;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_v1.load(specPath(u"v1"_s), &error), qPrintable(error));
        QVERIFY2(m_v2.load(specPath(u"v2"_s), &error), qPrintable(error));
    }

    void loadReportsUnreadableFiles()
    {
        OpenApiValidator validator;
        QString error;
        QVERIFY(!validator.load(u"/nonexistent/spec.json"_s, &error));
        QVERIFY(error.contains("cannot open"_L1));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile bad(dir.filePath(u"bad.json"_s));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"openapi\": \"3.0.1\", \"paths\": ");
        bad.close();
        QVERIFY(!validator.load(bad.fileName(), &error));
        QVERIFY(error.contains("not JSON"_L1));
        QVERIFY(!validator.isLoaded());
    }

    void acceptsTheSpecExamplesOfImportedEndpoints_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("status");
        for (const char *path :
            { "/users", "/users/me", "/notes", "/activityTypes", "/noteFields" })
            QTest::addRow("v1 %s", path) << u"v1"_s << QString::fromLatin1(path) << 200;
        QTest::addRow("v1 /users/me 401") << u"v1"_s << u"/users/me"_s << 401;
        for (const char *path : { "/organizations", "/persons", "/deals", "/deals/archived",
                 "/activities", "/pipelines", "/stages", "/dealFields", "/personFields",
                 "/organizationFields", "/activityFields" })
            QTest::addRow("v2 %s", path) << u"v2"_s << QString::fromLatin1(path) << 200;
    }

    void acceptsTheSpecExamplesOfImportedEndpoints()
    {
        QFETCH(QString, version);
        QFETCH(QString, path);
        QFETCH(int, status);
        const OpenApiValidator &validator = spec(version);
        QVERIFY(validator.hasOperation(u"get"_s, path));
        QVERIFY(!validator.responseSchema(u"get"_s, path, status).isEmpty());
        const QJsonValue example = validator.responseExample(u"get"_s, path, status);
        QVERIFY2(example.isObject(), "the spec should carry an example body here");
        const QStringList violations = validator.validateResponse(u"get"_s, path, status, example);
        QVERIFY2(violations.isEmpty(), qPrintable(violations.join(u'\n')));
    }

    // Wider evidence that the reader follows the spec's constructs: every JSON example of every
    // operation in both files must pass against its own schema.
    void acceptsEveryResponseExampleInBothSpecs()
    {
        for (const QString &version : { u"v1"_s, u"v2"_s }) {
            const OpenApiValidator &validator = spec(version);
            const QJsonObject paths = validator.spec().value("paths"_L1).toObject();
            int checked = 0;
            QStringList failures;
            for (auto p = paths.begin(); p != paths.end(); ++p) {
                const QJsonObject item = p.value().toObject();
                for (auto m = item.begin(); m != item.end(); ++m) {
                    const QJsonObject responses
                        = m.value().toObject().value("responses"_L1).toObject();
                    for (auto r = responses.begin(); r != responses.end(); ++r) {
                        bool isNumber = false;
                        const int status = r.key().toInt(&isNumber);
                        if (!isNumber)
                            continue;
                        const QJsonValue example
                            = validator.responseExample(m.key(), p.key(), status);
                        if (example.isUndefined()
                            || validator.responseSchema(m.key(), p.key(), status).isEmpty())
                            continue;
                        ++checked;
                        const QStringList violations
                            = validator.validateResponse(m.key(), p.key(), status, example);
                        for (const QString &v : violations)
                            failures.append(
                                u"%1 %2 %3 %4: %5"_s.arg(version, m.key(), p.key(), r.key(), v));
                    }
                }
            }
            QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
            // v1 has about 240 such examples, v2 about 160: a lookup bug would shrink this.
            QVERIFY2(checked > 100,
                qPrintable(u"%1: only %2 examples found"_s.arg(version).arg(checked)));
        }
    }

    void rejectsMutatedExamplesWithThePath_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QJsonValue>("newValue");
        QTest::addColumn<QString>("expected");
        const QJsonValue removed(QJsonValue::Undefined);

        QTest::newRow("wrong type: integer as string")
            << u"v2"_s << u"/deals"_s << 200 << u"data/0/owner_id"_s << QJsonValue(u"1"_s)
            << u"data[0].owner_id: expected integer, got string"_s;
        QTest::newRow("wrong type: fraction for integer")
            << u"v2"_s << u"/deals"_s << 200 << u"data/0/id"_s << QJsonValue(1.5)
            << u"data[0].id: expected integer, got number"_s;
        QTest::newRow("wrong type: number as string")
            << u"v2"_s << u"/deals"_s << 200 << u"data/0/value"_s << QJsonValue(u"200"_s)
            << u"data[0].value: expected number, got string"_s;
        QTest::newRow("wrong type: cursor as number")
            << u"v2"_s << u"/deals"_s << 200 << u"additional_data/next_cursor"_s << QJsonValue(5)
            << u"additional_data.next_cursor: expected string, got integer"_s;
        QTest::newRow("null where not nullable")
            << u"v2"_s << u"/persons"_s << 200 << u"data/0/name"_s << QJsonValue(QJsonValue::Null)
            << u"data[0].name: expected string, got null (not nullable)"_s;
        QTest::newRow("nested array item")
            << u"v2"_s << u"/persons"_s << 200 << u"data/0/emails/1/primary"_s
            << QJsonValue(u"yes"_s) << u"data[0].emails[1].primary: expected boolean, got string"_s;
        QTest::newRow("required field removed")
            << u"v2"_s << u"/dealFields"_s << 200 << u"data/1/field_code"_s << removed
            << u"data[1].field_code: required property missing"_s;
        QTest::newRow("enum")
            << u"v2"_s << u"/dealFields"_s << 200 << u"data/0/field_type"_s
            << QJsonValue(u"bogus"_s)
            << u"data[0].field_type: \"bogus\" is not one of the allowed values"_s;
        QTest::newRow("oneOf: neither alternative")
            << u"v2"_s << u"/dealFields"_s << 200 << u"data/2/options/0/id"_s << QJsonValue(true)
            << u"data[2].options[0].id: matches none of the 2 oneOf alternatives"_s;
        QTest::newRow("additionalProperties schema")
            << u"v2"_s << u"/dealFields"_s << 200 << u"data/0/required_fields/statuses/5"_s
            << QJsonValue(QJsonArray { u"pending"_s })
            << u"data[0].required_fields.statuses.5[0]: \"pending\" is not one of"_s;
        QTest::newRow("array replaced by string")
            << u"v2"_s << u"/stages"_s << 200 << u"data"_s << QJsonValue(u"none"_s)
            << u"data: expected array, got string"_s;
        QTest::newRow("allOf: second part of a v1 user")
            << u"v1"_s << u"/users/me"_s << 200 << u"data/company_id"_s << QJsonValue(u"x"_s)
            << u"data.company_id: expected integer, got string"_s;
        QTest::newRow("allOf: first part of a v1 user")
            << u"v1"_s << u"/users/me"_s << 200 << u"data/is_you"_s << QJsonValue(1)
            << u"data.is_you: expected boolean, got integer"_s;
        QTest::newRow("enum inside array of v1 users")
            << u"v1"_s << u"/users"_s << 200 << u"data/1/access/0/app"_s << QJsonValue(u"crm"_s)
            << u"data[1].access[0].app: \"crm\" is not one of"_s;
        QTest::newRow("date-time format")
            << u"v1"_s << u"/activityTypes"_s << 200 << u"data/0/add_time"_s
            << QJsonValue(u"yesterday"_s)
            << u"data[0].add_time: \"yesterday\" is not a valid date-time"_s;
        QTest::newRow("uuid format")
            << u"v1"_s << u"/notes"_s << 200 << u"data/0/lead_id"_s << QJsonValue(u"lead-1"_s)
            << u"data[0].lead_id: \"lead-1\" is not a valid uuid"_s;
        QTest::newRow("v1 pagination")
            << u"v1"_s << u"/notes"_s << 200
            << u"additional_data/pagination/more_items_in_collection"_s << QJsonValue(u"true"_s)
            << u"additional_data.pagination.more_items_in_collection: expected boolean, got string"_s;
        QTest::newRow("error body")
            << u"v1"_s << u"/users/me"_s << 401 << u"errorCode"_s << QJsonValue(u"401"_s)
            << u"errorCode: expected integer, got string"_s;
        QTest::newRow("root") << u"v2"_s << u"/activities"_s << 200 << u"success"_s
                              << QJsonValue(u"true"_s)
                              << u"success: expected boolean, got string"_s;
    }

    void rejectsMutatedExamplesWithThePath()
    {
        QFETCH(QString, version);
        QFETCH(QString, path);
        QFETCH(int, status);
        QFETCH(QString, where);
        QFETCH(QJsonValue, newValue);
        QFETCH(QString, expected);
        const OpenApiValidator &validator = spec(version);
        const QJsonValue example = validator.responseExample(u"get"_s, path, status);
        QVERIFY(example.isObject());
        const QJsonValue body = mutated(example, where.split(u'/'), newValue);
        QVERIFY(body != example);
        const QStringList violations = validator.validateResponse(u"get"_s, path, status, body);
        QVERIFY2(!violations.isEmpty(), "the mutation went unnoticed");
        bool found = false;
        for (const QString &v : violations)
            found = found || v.startsWith(expected);
        QVERIFY2(found,
            qPrintable(u"expected \"%1...\", got:\n%2"_s.arg(expected, violations.join(u'\n'))));
        // The fault is reported once, not echoed by unrelated checks.
        QCOMPARE(violations.size(), 1);
    }

    void rejectsABodyOfTheWrongType()
    {
        const QStringList violations
            = m_v1.validateResponse(u"get"_s, u"/users"_s, 200, QJsonArray { 1, 2 });
        QVERIFY(!violations.isEmpty());
        QVERIFY2(violations.first().startsWith("(root): expected object, got array"_L1),
            qPrintable(violations.join(u'\n')));
    }

    void acceptsNullWhereNullable()
    {
        QJsonValue body = m_v2.responseExample(u"get"_s, u"/deals"_s);
        body = mutated(body, { u"data"_s, u"0"_s, u"probability"_s }, QJsonValue::Null);
        body = mutated(body, { u"data"_s, u"0"_s, u"close_time"_s }, QJsonValue::Null);
        QVERIFY(m_v2.validateResponse(u"get"_s, u"/deals"_s, 200, body).isEmpty());
        body = mutated(body, { u"data"_s, u"0"_s, u"is_deleted"_s }, QJsonValue::Null);
        QCOMPARE(m_v2.validateResponse(u"get"_s, u"/deals"_s, 200, body),
            QStringList { u"data[0].is_deleted: expected boolean, got null (not nullable)"_s });
    }

    void allowNullToleratesOnlyThatPath()
    {
        OpenApiValidator validator;
        QString error;
        QVERIFY2(validator.load(specPath(u"v2"_s), &error), qPrintable(error));
        QJsonValue body = validator.responseExample(u"get"_s, u"/deals"_s);
        body = mutated(body, { u"data"_s, u"0"_s, u"person_id"_s }, QJsonValue::Null);
        body = mutated(body, { u"additional_data"_s, u"next_cursor"_s }, QJsonValue::Null);
        QCOMPARE(validator.validateResponse(u"get"_s, u"/deals"_s, 200, body).size(), 2);

        validator.allowNull(u"data[].person_id"_s);
        validator.allowNull(u"additional_data.next_cursor"_s);
        QStringList tolerated;
        QVERIFY(validator.validateResponse(u"get"_s, u"/deals"_s, 200, body, &tolerated).isEmpty());
        QCOMPARE(
            tolerated, (QStringList { u"additional_data.next_cursor"_s, u"data[0].person_id"_s }));

        // Only null is tolerated there, and only there.
        body = mutated(body, { u"data"_s, u"0"_s, u"person_id"_s }, u"7"_s);
        body = mutated(body, { u"data"_s, u"0"_s, u"org_id"_s }, QJsonValue::Null);
        const QStringList violations = validator.validateResponse(u"get"_s, u"/deals"_s, 200, body);
        QCOMPARE(violations.size(), 2);
        QVERIFY(violations.contains(u"data[0].person_id: expected integer, got string"_s));
        QVERIFY(
            violations.contains(u"data[0].org_id: expected integer, got null (not nullable)"_s));
    }

    void unknownOperationOrStatusIsAViolation()
    {
        const QJsonObject body { { u"success"_s, true } };
        QVERIFY(!m_v2.hasOperation(u"get"_s, u"/dealz"_s));
        QVERIFY(!m_v2.validateResponse(u"get"_s, u"/dealz"_s, 200, body).isEmpty());
        QVERIFY(!m_v2.validateResponse(u"get"_s, u"/deals"_s, 418, body).isEmpty());
        // The method is matched case-insensitively, the path template exactly.
        QVERIFY(m_v2.hasOperation(u"GET"_s, u"/deals/{id}"_s));
    }

    void dateTimeIsCheckedLoosely_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("v2 RFC 3339") << u"2024-11-05T10:56:51Z"_s << true;
        QTest::newRow("fraction") << u"2024-11-05T10:56:51.000Z"_s << true;
        QTest::newRow("offset") << u"2024-11-05T10:56:51+02:00"_s << true;
        QTest::newRow("v1 wire format") << u"2019-10-04 16:24:55"_s << true;
        QTest::newRow("v1 never logged in") << u"0000-00-00 00:00:00"_s << true;
        QTest::newRow("date only") << u"2024-11-05"_s << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("words") << u"today"_s << false;
        QTest::newRow("epoch") << u"1730804211"_s << false;
    }

    void dateTimeIsCheckedLoosely()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const QJsonObject schema { { u"type"_s, u"string"_s }, { u"format"_s, u"date-time"_s } };
        QCOMPARE(m_v1.validate(text, schema).isEmpty(), valid);
    }

    void resolvesLocalReferences()
    {
        OpenApiValidator validator;
        validator.setSpec(parseObject(
            "{"
            "'openapi': '3.0.1',"
            "'paths': {'/things': {'get': {'responses': {"
            "'200': {'$ref': '#/components/responses/Things'}}}}},"
            "'components': {"
            "'responses': {'Things': {'content': {'application/json': {'schema': {"
            "'type': 'object', 'properties': {'data': {'type': 'array',"
            "'items': {'$ref': '#/components/schemas/Alias'}}}}}}}},"
            "'schemas': {"
            "'Alias': {'$ref': '#/components/schemas/Thing'},"
            "'Thing': {'type': 'object', 'required': ['id'], 'additionalProperties': false,"
            "'properties': {'id': {'type': 'integer'},"
            "'a/b': {'$ref': '#/components/schemas/a~1b'},"
            "'owner': {'$ref': '#/components/schemas/Thing'}}},"
            "'a/b': {'type': 'string', 'nullable': true},"
            "'Loop': {'$ref': '#/components/schemas/Loop'}}}}"));
        QVERIFY(validator.isLoaded());

        const QJsonObject good
            = parseObject("{'data': [{'id': 1, 'a/b': null, 'owner': {'id': 2, 'a/b': 'x'}}]}");
        QCOMPARE(validator.validateResponse(u"get"_s, u"/things"_s, 200, good), QStringList());

        const QJsonObject bad
            = parseObject("{'data': [{'id': 1, 'owner': {'a/b': 3, 'extra': true}}]}");
        QStringList violations = validator.validateResponse(u"get"_s, u"/things"_s, 200, bad);
        violations.sort();
        QCOMPARE(violations,
            (QStringList { u"data[0].owner.a/b: expected string, got integer"_s,
                u"data[0].owner.extra: property not allowed (additionalProperties is false)"_s,
                u"data[0].owner.id: required property missing"_s }));

        // Broken and cyclic references are reported, not followed forever.
        const QStringList broken
            = validator.validate(1, parseObject("{'$ref': '#/components/schemas/Nope'}"));
        QCOMPARE(broken.size(), 1);
        QVERIFY(broken.first().contains("cannot be resolved"_L1));
        QCOMPARE(
            validator.validate(1, parseObject("{'$ref': '#/components/schemas/Loop'}")).size(), 1);
    }

    void combinatorsNeedTheirAlternatives()
    {
        const QJsonObject anyOf
            = parseObject("{'anyOf': [{'type': 'integer'}, {'type': 'string', 'enum': ['a']}]}");
        QVERIFY(m_v1.validate(3, anyOf).isEmpty());
        QVERIFY(m_v1.validate(u"a"_s, anyOf).isEmpty());
        QCOMPARE(m_v1.validate(u"b"_s, anyOf).size(), 1);
        QVERIFY(m_v1.validate(QJsonValue::Null, anyOf).size() == 1);

        const QJsonObject allOf = parseObject(
            "{'allOf': [{'type': 'object', 'required': ['a']}, {'required': ['b']}]}");
        QVERIFY(m_v1.validate(parseObject("{'a': 1, 'b': 2}"), allOf).isEmpty());
        QCOMPARE(m_v1.validate(parseObject("{'a': 1}"), allOf),
            QStringList { u"b: required property missing"_s });
        const QJsonObject nullableAllOf
            = parseObject("{'nullable': true, 'allOf': [{'type': 'object'}]}");
        QVERIFY(m_v1.validate(QJsonValue::Null, nullableAllOf).isEmpty());
    }

    void genericPathDropsIndices()
    {
        QCOMPARE(OpenApiValidator::genericPath(u"data[12].emails[0].value"_s),
            u"data[].emails[].value"_s);
        QCOMPARE(OpenApiValidator::genericPath(QString()), QString());
    }
};

QTEST_GUILESS_MAIN(TestOpenApiValidator)
#include "tst_openapivalidator.moc"
