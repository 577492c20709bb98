#include "openapivalidator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pds::test {

namespace {

// Deeper than any real schema; only a $ref cycle gets here.
constexpr int maxDepth = 100;

bool isIntegral(double d)
{
    return std::isfinite(d) && d == std::floor(d);
}

QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"boolean"_s;
    case QJsonValue::Double:
        return isIntegral(value.toDouble()) ? u"integer"_s : u"number"_s;
    case QJsonValue::String:
        return u"string"_s;
    case QJsonValue::Array:
        return u"array"_s;
    case QJsonValue::Object:
        return u"object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"undefined"_s;
}

bool matchesType(const QJsonValue &value, const QString &type)
{
    if (type == "object"_L1)
        return value.isObject();
    if (type == "array"_L1)
        return value.isArray();
    if (type == "string"_L1)
        return value.isString();
    if (type == "boolean"_L1)
        return value.isBool();
    if (type == "number"_L1)
        return value.isDouble();
    if (type == "integer"_L1)
        return value.isDouble() && isIntegral(value.toDouble());
    // Unknown type names are not ours to judge.
    return true;
}

QString shortJson(const QJsonValue &value)
{
    QString text;
    if (value.isString())
        text = u'"' + value.toString() + u'"';
    else if (value.isArray())
        text = QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    else if (value.isObject())
        text = QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    else if (value.isBool())
        text = value.toBool() ? u"true"_s : u"false"_s;
    else if (value.isDouble())
        text = QString::number(value.toDouble(), 'g', 17);
    else
        text = jsonTypeName(value);
    if (text.size() > 60)
        text = text.left(57) + u"..."_s;
    return text;
}

QString childPath(const QString &path, const QString &key)
{
    return path.isEmpty() ? key : path + u'.' + key;
}

QString displayPath(const QString &path)
{
    return path.isEmpty() ? u"(root)"_s : path;
}

// Loose on purpose: Pipedrive's v1 sends "YYYY-MM-DD HH:MM:SS" for fields the spec marks
// date-time, v2 sends RFC 3339 with or without fractions.
bool isDateTime(const QString &text)
{
    static const QRegularExpression re(
        uR"(^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$)"_s);
    return re.match(text).hasMatch();
}

bool isDate(const QString &text)
{
    static const QRegularExpression re(uR"(^\d{4}-\d{2}-\d{2}$)"_s);
    return re.match(text).hasMatch();
}

bool isUuid(const QString &text)
{
    static const QRegularExpression re(
        uR"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)"_s);
    return re.match(text).hasMatch();
}

} // namespace

bool OpenApiValidator::load(const QString &specFile, QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    QFile file(specFile);
    if (!file.open(QIODevice::ReadOnly))
        return fail(u"cannot open %1: %2"_s.arg(specFile, file.errorString()));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(u"%1 is not JSON: %2 at offset %3"_s.arg(specFile, parseError.errorString())
                        .arg(parseError.offset));
    if (!doc.isObject() || !doc.object().value("paths"_L1).isObject())
        return fail(u"%1 is not an OpenAPI document (no paths)"_s.arg(specFile));
    m_spec = doc.object();
    return true;
}

bool OpenApiValidator::hasOperation(const QString &method, const QString &pathTemplate) const
{
    return !operation(method, pathTemplate).isEmpty();
}

QJsonObject OpenApiValidator::operation(const QString &method, const QString &pathTemplate) const
{
    const QJsonObject pathItem = m_spec.value("paths"_L1).toObject().value(pathTemplate).toObject();
    return pathItem.value(method.toLower()).toObject();
}

QJsonObject OpenApiValidator::response(
    const QString &method, const QString &pathTemplate, int status) const
{
    const QJsonObject responses = operation(method, pathTemplate).value("responses"_L1).toObject();
    const QString exact = QString::number(status);
    const QString range = QString::number(status / 100) + u"XX"_s;
    QJsonObject resp;
    for (const QString &key : { exact, range, u"default"_s }) {
        if (responses.contains(key)) {
            resp = responses.value(key).toObject();
            break;
        }
    }
    // Responses may themselves be references to components/responses.
    for (int i = 0; i < maxDepth && resp.contains("$ref"_L1); ++i)
        resp = lookupPointer(resp.value("$ref"_L1).toString()).toObject();
    return resp;
}

QJsonObject OpenApiValidator::responseSchema(
    const QString &method, const QString &pathTemplate, int status) const
{
    const QJsonObject content
        = response(method, pathTemplate, status).value("content"_L1).toObject();
    QJsonObject media = content.value("application/json"_L1).toObject();
    if (media.isEmpty() && !content.isEmpty())
        media = content.begin().value().toObject();
    return media.value("schema"_L1).toObject();
}

QJsonValue OpenApiValidator::responseExample(
    const QString &method, const QString &pathTemplate, int status) const
{
    const QJsonObject content
        = response(method, pathTemplate, status).value("content"_L1).toObject();
    const QJsonObject media = content.value("application/json"_L1).toObject();
    return media.contains("example"_L1) ? media.value("example"_L1)
                                        : QJsonValue(QJsonValue::Undefined);
}

QString OpenApiValidator::genericPath(const QString &path)
{
    static const QRegularExpression index(uR"(\[\d+\])"_s);
    QString generic = path;
    return generic.replace(index, u"[]"_s);
}

QJsonValue OpenApiValidator::lookupPointer(const QString &ref) const
{
    // Only local references: "#/components/schemas/Deal". JSON pointer escapes ~1 and ~0.
    if (!ref.startsWith("#/"_L1))
        return QJsonValue(QJsonValue::Undefined);
    QJsonValue node = m_spec;
    const QStringList parts = ref.mid(2).split(u'/');
    for (QString part : parts) {
        part.replace("~1"_L1, "/"_L1).replace("~0"_L1, "~"_L1);
        if (!node.isObject() || !node.toObject().contains(part))
            return QJsonValue(QJsonValue::Undefined);
        node = node.toObject().value(part);
    }
    return node;
}

QJsonObject OpenApiValidator::resolve(
    const QJsonObject &node, const QString &path, Context &ctx) const
{
    QJsonObject schema = node;
    for (int i = 0; schema.contains("$ref"_L1); ++i) {
        const QString ref = schema.value("$ref"_L1).toString();
        const QJsonValue target = lookupPointer(ref);
        if (i >= maxDepth || !target.isObject()) {
            ctx.violations->append(
                u"%1: schema reference %2 cannot be resolved"_s.arg(displayPath(path), ref));
            return {};
        }
        schema = target.toObject();
    }
    return schema;
}

QStringList OpenApiValidator::validate(
    const QJsonValue &value, const QJsonObject &schema, QStringList *toleratedNulls) const
{
    QStringList violations;
    Context ctx { &violations, toleratedNulls, 0 };
    check(value, schema, QString(), ctx);
    return violations;
}

QStringList OpenApiValidator::validateResponse(const QString &method, const QString &pathTemplate,
    int status, const QJsonValue &body, QStringList *toleratedNulls) const
{
    if (!hasOperation(method, pathTemplate))
        return { u"the spec has no operation %1 %2"_s.arg(method.toUpper(), pathTemplate) };
    const QJsonObject schema = responseSchema(method, pathTemplate, status);
    if (schema.isEmpty())
        return { u"the spec has no JSON response %1 for %2 %3"_s.arg(status).arg(
            method.toUpper(), pathTemplate) };
    return validate(body, schema, toleratedNulls);
}

void OpenApiValidator::check(
    const QJsonValue &value, const QJsonObject &node, const QString &path, Context &ctx) const
{
    if (ctx.depth > maxDepth) {
        ctx.violations->append(
            u"%1: schema nested too deeply (reference cycle?)"_s.arg(displayPath(path)));
        return;
    }
    const QJsonObject schema = resolve(node, path, ctx);
    if (schema.isEmpty())
        return;

    if (value.isNull()) {
        if (schema.value("nullable"_L1).toBool())
            return;
        if (!m_nullablePaths.isEmpty() && m_nullablePaths.contains(genericPath(path))) {
            // Only counts as tolerated when the schema would really have rejected the null.
            QStringList rejected;
            Context probe { &rejected, nullptr, ctx.depth };
            checkNotNull(value, schema, path, probe);
            if (!rejected.isEmpty() && ctx.toleratedNulls)
                ctx.toleratedNulls->append(path);
            return;
        }
    }
    checkNotNull(value, schema, path, ctx);
}

void OpenApiValidator::checkNotNull(
    const QJsonValue &value, const QJsonObject &schema, const QString &path, Context &ctx) const
{
    QStringList &out = *ctx.violations;
    const QString where = displayPath(path);

    if (schema.contains("type"_L1)) {
        const QString type = schema.value("type"_L1).toString();
        if (!matchesType(value, type)) {
            out.append(u"%1: expected %2, got %3%4"_s.arg(where, type, jsonTypeName(value),
                value.isNull() ? u" (not nullable)"_s : QString()));
            return; // nothing below makes sense for the wrong type
        }
    }

    if (schema.contains("enum"_L1)) {
        const QJsonArray allowed = schema.value("enum"_L1).toArray();
        if (!allowed.contains(value)) {
            QStringList shown;
            for (qsizetype i = 0; i < allowed.size() && i < 8; ++i)
                shown.append(shortJson(allowed.at(i)));
            if (allowed.size() > 8)
                shown.append(u"..."_s);
            out.append(u"%1: %2 is not one of the allowed values (%3)"_s.arg(
                where, shortJson(value), shown.join(u", "_s)));
        }
    }

    if (value.isString()) {
        const QString text = value.toString();
        const QString format = schema.value("format"_L1).toString();
        const bool formatOk = format == "date-time"_L1 ? isDateTime(text)
            : format == "date"_L1                      ? isDate(text)
            : format == "uuid"_L1                      ? isUuid(text)
                                                       : true;
        if (!formatOk)
            out.append(u"%1: %2 is not a valid %3"_s.arg(where, shortJson(value), format));
        if (schema.contains("maxLength"_L1) && text.size() > schema.value("maxLength"_L1).toInt())
            out.append(u"%1: longer than maxLength %2"_s.arg(where).arg(
                schema.value("maxLength"_L1).toInt()));
    }

    if (value.isDouble()) {
        const double number = value.toDouble();
        if (schema.contains("minimum"_L1) && number < schema.value("minimum"_L1).toDouble())
            out.append(u"%1: %2 is below the minimum %3"_s.arg(
                where, shortJson(value), shortJson(schema.value("minimum"_L1))));
        if (schema.contains("maximum"_L1) && number > schema.value("maximum"_L1).toDouble())
            out.append(u"%1: %2 is above the maximum %3"_s.arg(
                where, shortJson(value), shortJson(schema.value("maximum"_L1))));
    }

    Context deeper { ctx.violations, ctx.toleratedNulls, ctx.depth + 1 };

    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        const QJsonObject properties = schema.value("properties"_L1).toObject();
        const QJsonArray required = schema.value("required"_L1).toArray();
        for (const QJsonValue &name : required) {
            if (!object.contains(name.toString()))
                out.append(
                    u"%1: required property missing"_s.arg(childPath(path, name.toString())));
        }
        for (auto it = properties.begin(); it != properties.end(); ++it) {
            if (object.contains(it.key()))
                check(object.value(it.key()), it.value().toObject(), childPath(path, it.key()),
                    deeper);
        }
        // additionalProperties: absent/true = anything goes; false = none; a schema = each extra
        // property must match it.
        const QJsonValue additional = schema.value("additionalProperties"_L1);
        if (additional.isBool() && !additional.toBool()) {
            for (auto it = object.begin(); it != object.end(); ++it) {
                if (!properties.contains(it.key()))
                    out.append(u"%1: property not allowed (additionalProperties is false)"_s.arg(
                        childPath(path, it.key())));
            }
        } else if (additional.isObject()) {
            for (auto it = object.begin(); it != object.end(); ++it) {
                if (!properties.contains(it.key()))
                    check(it.value(), additional.toObject(), childPath(path, it.key()), deeper);
            }
        }
    }

    if (value.isArray() && schema.contains("items"_L1)) {
        const QJsonArray array = value.toArray();
        const QJsonObject items = schema.value("items"_L1).toObject();
        for (qsizetype i = 0; i < array.size(); ++i)
            check(array.at(i), items, path + u'[' + QString::number(i) + u']', deeper);
    }

    const QJsonArray allOf = schema.value("allOf"_L1).toArray();
    for (const QJsonValue &part : allOf)
        check(value, part.toObject(), path, deeper);

    // oneOf is read like anyOf: Pipedrive uses it for alternatives such as integer|string ids,
    // where an "exactly one" reading adds nothing but false alarms.
    for (const auto keyword : { "oneOf"_L1, "anyOf"_L1 }) {
        const QJsonArray alternatives = schema.value(keyword).toArray();
        if (alternatives.isEmpty())
            continue;
        QStringList reasons;
        bool anyHolds = false;
        for (qsizetype i = 0; i < alternatives.size() && !anyHolds; ++i) {
            QStringList altViolations;
            QStringList altTolerated;
            Context alt { &altViolations, &altTolerated, ctx.depth + 1 };
            check(value, alternatives.at(i).toObject(), path, alt);
            if (altViolations.isEmpty()) {
                anyHolds = true;
                if (ctx.toleratedNulls)
                    ctx.toleratedNulls->append(altTolerated);
            } else {
                reasons.append(u"[%1] %2"_s.arg(i + 1).arg(altViolations.join(u"; "_s)));
            }
        }
        if (!anyHolds)
            out.append(u"%1: matches none of the %2 %3 alternatives: %4"_s.arg(
                where, QString::number(alternatives.size()), keyword, reasons.join(u" "_s)));
    }
}

} // namespace pds::test
