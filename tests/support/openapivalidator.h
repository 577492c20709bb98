#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QSet>
#include <QString>
#include <QStringList>

namespace pds::test {

// Checks JSON bodies against the response schemas of an OpenAPI 3.0 document (Pipedrive's
// v1.json / v2.json). Supports what those files use: type, nullable, required, properties,
// additionalProperties, items, allOf, oneOf/anyOf (both read as "at least one holds"), enum,
// maxLength, minimum/maximum, the formats date-time (loosely: RFC 3339 or Pipedrive's v1
// "YYYY-MM-DD HH:MM:SS"), date and uuid, and local $ref ("#/components/...").
// Violations read "data[3].owner_id: expected integer, got string"; "(root)" is the body itself.
class OpenApiValidator
{
public:
    OpenApiValidator() = default;

    // Reads a spec JSON file. On failure returns false and says why in *error.
    bool load(const QString &specFile, QString *error = nullptr);
    // Uses an already parsed spec document (tests build small specs inline).
    void setSpec(const QJsonObject &spec) { m_spec = spec; }
    bool isLoaded() const { return !m_spec.isEmpty(); }
    const QJsonObject &spec() const { return m_spec; }

    bool hasOperation(const QString &method, const QString &pathTemplate) const;
    // The application/json schema of the response `status` of (method, path template), e.g.
    // ("get", "/deals", 200); falls back to "4XX"-style keys and "default". Empty if absent.
    QJsonObject responseSchema(
        const QString &method, const QString &pathTemplate, int status = 200) const;
    // The application/json `example` of that response; undefined if the spec has none.
    QJsonValue responseExample(
        const QString &method, const QString &pathTemplate, int status = 200) const;

    // Violations of `value` against `schema` (empty list = valid). Paths in `toleratedNulls`
    // (see allowNull) that were null are appended to *toleratedNulls when given.
    QStringList validate(const QJsonValue &value, const QJsonObject &schema,
        QStringList *toleratedNulls = nullptr) const;
    // validate() against responseSchema(); a missing operation/response is itself a violation,
    // so a typo in the test cannot make everything pass.
    QStringList validateResponse(const QString &method, const QString &pathTemplate, int status,
        const QJsonValue &body, QStringList *toleratedNulls = nullptr) const;

    // Accepts null at `pathPattern` although the schema does not say nullable: for places where
    // the spec is known to be stricter than the documented wire format. Array indices in the
    // pattern are written "[]", e.g. "data[].org_id", "additional_data.next_cursor".
    void allowNull(const QString &pathPattern) { m_nullablePaths.insert(pathPattern); }
    void clearAllowedNulls() { m_nullablePaths.clear(); }

    // "data[3].owner_id" -> "data[].owner_id" (the form allowNull() takes).
    static QString genericPath(const QString &path);

private:
    struct Context
    {
        QStringList *violations;
        QStringList *toleratedNulls;
        int depth;
    };

    QJsonObject operation(const QString &method, const QString &pathTemplate) const;
    QJsonObject response(const QString &method, const QString &pathTemplate, int status) const;
    // Follows $ref chains; returns an empty object and reports when a reference is broken.
    QJsonObject resolve(const QJsonObject &node, const QString &path, Context &ctx) const;
    QJsonValue lookupPointer(const QString &ref) const;
    void check(const QJsonValue &value, const QJsonObject &schema, const QString &path,
        Context &ctx) const;
    void checkNotNull(const QJsonValue &value, const QJsonObject &schema, const QString &path,
        Context &ctx) const;

    QJsonObject m_spec;
    QSet<QString> m_nullablePaths;
};

} // namespace pds::test
