#include "fakedataset.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace pds::test {

namespace {

constexpr qint64 kBaseSecs = 1546300800; // 2019-01-01T00:00:00Z: generated records start here
constexpr qint64 kEndSecs = 1751241600; // 2025-06-30T00:00:00Z: and are last touched before this
constexpr qint64 kDay = 86400;
constexpr int kSpecialRange = 20; // persons 1..20 are hand-made; random links avoid them

const std::array<Entity, 9> kAllEntities = {
    Entity::Users,
    Entity::Organizations,
    Entity::Persons,
    Entity::Deals,
    Entity::Activities,
    Entity::Notes,
    Entity::Pipelines,
    Entity::Stages,
    Entity::ActivityTypes,
};

bool isV1(Entity entity)
{
    return entity == Entity::Users || entity == Entity::Notes || entity == Entity::ActivityTypes;
}

QString addKey(Entity entity)
{
    return entity == Entity::Users ? u"created"_s : u"add_time"_s;
}
QString updateKey(Entity entity)
{
    return entity == Entity::Users ? u"modified"_s : u"update_time"_s;
}

QString formatTime(Entity entity, qint64 secs)
{
    return isV1(entity) ? v1Time(secs) : v2Time(secs);
}

const QStringList kFirstNames = {
    u"Anna"_s,
    u"Ben"_s,
    u"Carla"_s,
    u"Daniel"_s,
    u"Elif"_s,
    u"Felix"_s,
    u"Greta"_s,
    u"Hugo"_s,
    u"Ines"_s,
    u"Jakob"_s,
    u"Katrin"_s,
    u"Lukas"_s,
    u"Marta"_s,
    u"Noah"_s,
    u"Olga"_s,
    u"Paul"_s,
    u"Quinn"_s,
    u"Rosa"_s,
    u"Sven"_s,
    u"Tanja"_s,
    u"Ugo"_s,
    u"Vera"_s,
    u"Wim"_s,
    u"Xenia"_s,
    u"Yusuf"_s,
    u"Zoë"_s,
    u"Søren"_s,
    u"Łukasz"_s,
    u"José"_s,
    u"Françoise"_s,
    u"Miyu"_s,
    u"Chloé"_s,
    u"Björn"_s,
    u"Aoife"_s,
    u"Mateo"_s,
    u"Priya"_s,
    u"Omar"_s,
    u"Lin"_s,
    u"Nils"_s,
    u"Émilie"_s,
};
const QStringList kLastNames = {
    u"Müller"_s,
    u"Schmidt"_s,
    u"Schneider"_s,
    u"Fischer"_s,
    u"Weber"_s,
    u"Meyer"_s,
    u"Wagner"_s,
    u"Becker"_s,
    u"Hoffmann"_s,
    u"Schäfer"_s,
    u"Koch"_s,
    u"Bauer"_s,
    u"Richter"_s,
    u"Klein"_s,
    u"Wolf"_s,
    u"Neumann"_s,
    u"Schwarz"_s,
    u"Zimmermann"_s,
    u"O'Connor"_s,
    u"D'Angelo"_s,
    u"van der Berg"_s,
    u"García"_s,
    u"Nguyen"_s,
    u"Kowalski"_s,
    u"Smith"_s,
    u"Johnson"_s,
    u"Brown"_s,
    u"Rossi"_s,
    u"Dubois"_s,
    u"Yamamoto"_s,
    u"Andersson"_s,
    u"Nowak"_s,
    u"Silva"_s,
    u"Popescu"_s,
    u"Öztürk"_s,
    u"Kim"_s,
};
const QStringList kCompanyWords1 = {
    u"Blue"_s,
    u"North"_s,
    u"Silver"_s,
    u"Alpine"_s,
    u"Rapid"_s,
    u"Bright"_s,
    u"Green"_s,
    u"Iron"_s,
    u"Clear"_s,
    u"Sunny"_s,
    u"Urban"_s,
    u"Prime"_s,
    u"Nordic"_s,
    u"Golden"_s,
    u"Swift"_s,
    u"Quantum"_s,
    u"Harbor"_s,
    u"Maple"_s,
    u"Cedar"_s,
    u"Summit"_s,
};
const QStringList kCompanyWords2 = {
    u"River"_s,
    u"Peak"_s,
    u"Bridge"_s,
    u"Works"_s,
    u"Systems"_s,
    u"Labs"_s,
    u"Logistics"_s,
    u"Foods"_s,
    u"Media"_s,
    u"Analytics"_s,
    u"Energy"_s,
    u"Robotics"_s,
    u"Textiles"_s,
    u"Ventures"_s,
    u"Health"_s,
    u"Software"_s,
    u"Motors"_s,
    u"Design"_s,
    u"Capital"_s,
    u"Tools"_s,
};
const QStringList kCompanySuffixes = {
    u"GmbH"_s,
    u"AG"_s,
    u"Ltd"_s,
    u"Inc."_s,
    u"SA"_s,
    u"B.V."_s,
    u"KG"_s,
    u"LLC"_s,
};
const QStringList kCities = {
    u"Berlin"_s,
    u"München"_s,
    u"Hamburg"_s,
    u"Köln"_s,
    u"Zürich"_s,
    u"Wien"_s,
    u"London"_s,
    u"Paris"_s,
    u"Tallinn"_s,
    u"New York"_s,
    u"São Paulo"_s,
    u"Kraków"_s,
};
const QStringList kStreets = {
    u"Hauptstraße"_s,
    u"Main St"_s,
    u"Bahnhofstraße"_s,
    u"Rue de Rivoli"_s,
    u"Baker Street"_s,
    u"Parkweg"_s,
};
const QStringList kCurrencies = { u"EUR"_s, u"USD"_s, u"GBP"_s, u"CHF"_s, u"JPY"_s };
const QStringList kLostReasons = {
    u"Too expensive"_s,
    u"Went with a competitor"_s,
    u"No budget this year"_s,
    u"No response"_s,
    u"Timing — maybe next quarter"_s,
};
const QStringList kSentences = {
    u"Discussed pricing and next steps."_s,
    u"They asked for a revised proposal."_s,
    u"Decision maker is on holiday until next month."_s,
    u"Sent the contract draft for review."_s,
    u"Customer mentioned a competitor's offer."_s,
    u"Follow up after the trade fair."_s,
    u"Needs approval from the finance team."_s,
    u"Very positive call, demo went well."_s,
};

// The activity types the generator uses, with weights (custom "site_visit" is rare).
const QStringList kActivityTypeKeys = { u"call"_s, u"meeting"_s, u"task"_s, u"deadline"_s,
    u"email"_s, u"lunch"_s, u"site_visit"_s };

QString uuidFrom(QRandomGenerator &rng)
{
    // A v4-looking uuid drawn from the seeded generator (QUuid::createUuid is not seedable).
    QByteArray bytes(16, '\0');
    for (auto &b : bytes)
        b = char(rng.bounded(256));
    bytes[6] = char((bytes[6] & 0x0f) | 0x40);
    bytes[8] = char((bytes[8] & 0x3f) | 0x80);
    const QString hex = QString::fromLatin1(bytes.toHex());
    return hex.mid(0, 8) + u'-' + hex.mid(8, 4) + u'-' + hex.mid(12, 4) + u'-' + hex.mid(16, 4)
        + u'-' + hex.mid(20, 12);
}

QJsonObject emailItem(const QString &value, bool primary, const QString &label)
{
    return QJsonObject { { u"value"_s, value }, { u"primary"_s, primary }, { u"label"_s, label } };
}

QString asciiFold(const QString &text)
{
    // For e-mail local parts: drop accents and anything that is not a plain letter.
    QString out;
    for (QChar c : text.normalized(QString::NormalizationForm_D)) {
        if (c.unicode() < 128 && c.isLetter())
            out += c.toLower();
    }
    return out.isEmpty() ? u"x"_s : out;
}

} // namespace

QString entityName(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return u"users"_s;
    case Entity::Organizations:
        return u"organizations"_s;
    case Entity::Persons:
        return u"persons"_s;
    case Entity::Deals:
        return u"deals"_s;
    case Entity::Activities:
        return u"activities"_s;
    case Entity::Notes:
        return u"notes"_s;
    case Entity::Pipelines:
        return u"pipelines"_s;
    case Entity::Stages:
        return u"stages"_s;
    case Entity::ActivityTypes:
        return u"activityTypes"_s;
    }
    return {};
}

std::optional<Entity> entityFromName(QStringView name)
{
    for (Entity e : kAllEntities) {
        if (name.compare(entityName(e), Qt::CaseInsensitive) == 0)
            return e;
    }
    return std::nullopt;
}

DatasetSizes DatasetSizes::fromTotal(int records)
{
    const qint64 total = qMax(0, records);
    auto part = [total](int weight) {
        return int(total * weight / 991);
    };
    DatasetSizes s;
    s.users = qMax(6, part(1));
    s.organizations = part(40);
    s.persons = part(300);
    s.deals = part(150);
    s.activities = part(400);
    s.notes = part(100);
    return s;
}

QString v2Time(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(u"yyyy-MM-dd'T'HH:mm:ss'Z'"_s);
}

QString v1Time(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(u"yyyy-MM-dd HH:mm:ss"_s);
}

std::optional<qint64> parseTime(const QString &text)
{
    if (text.size() == 19 && text.at(10) == u' ') {
        QDateTime dt = QDateTime::fromString(text, u"yyyy-MM-dd HH:mm:ss"_s);
        if (!dt.isValid())
            return std::nullopt;
        dt.setTimeSpec(Qt::UTC);
        return dt.toSecsSinceEpoch();
    }
    const QDateTime dt = QDateTime::fromString(text, Qt::ISODate);
    if (!dt.isValid() || text.size() < 20)
        return std::nullopt; // RFC 3339 needs a zone designator
    return dt.toSecsSinceEpoch();
}

// Builds a FakeDataset. One QRandomGenerator drives everything, in a fixed order, so a seed
// always gives the same company.
class DatasetGenerator
{
public:
    DatasetGenerator(quint32 seed, const DatasetSizes &sizes)
        : m_rng(seed)
        , m_sizes(sizes)
    {
        m_data.m_seed = seed;
    }

    FakeDataset run()
    {
        makeCompany();
        makeUsers();
        makePipelines();
        makeActivityTypes();
        makeFields();
        makeOrganizations();
        makePersons();
        makeDeals();
        makeActivities();
        makeNotes();
        makeFilters();
        for (Entity e : kAllEntities) {
            for (auto &r : m_data.tableRef(e))
                FakeDataset::stamp(e, r);
        }
        return std::move(m_data);
    }

private:
    int between(int lo, int hiInclusive) { return int(m_rng.bounded(lo, hiInclusive + 1)); }
    bool chance(double p) { return m_rng.generateDouble() < p; }
    template<typename T> const T &pick(const QList<T> &list)
    {
        return list.at(int(m_rng.bounded(qsizetype(list.size()))));
    }

    // Ids: contiguous for the hand-made first 30, then with gaps as in a real account.
    qint64 nextId(qint64 previous, int index)
    {
        if (index < 30)
            return previous + 1;
        return previous + 1 + (chance(0.1) ? between(1, 3) : 0);
    }

    // A creation time spread over the years in id order, and an update at or after it.
    std::pair<qint64, qint64> times(int index, int count)
    {
        const qint64 span = (kEndSecs - kBaseSecs) * 4 / 5;
        const qint64 add = kBaseSecs + span * index / qMax(1, count) + between(0, int(kDay - 1));
        qint64 update = add;
        if (chance(0.8))
            update = qMin(kEndSecs - 1, add + between(60, 400) * kDay / between(1, 4));
        return { add, update };
    }

    qint64 randomUser() { return m_userIds.isEmpty() ? 1 : pick(m_userIds); }
    qint64 randomActiveUser() { return m_activeUserIds.isEmpty() ? 1 : pick(m_activeUserIds); }

    // Random links avoid the hand-made persons so their deal/activity counts stay as designed.
    qint64 randomPerson()
    {
        if (m_personIds.size() > kSpecialRange)
            return m_personIds.at(
                kSpecialRange + int(m_rng.bounded(m_personIds.size() - kSpecialRange)));
        return m_personIds.isEmpty() ? 0 : pick(m_personIds);
    }
    qint64 randomOrg() { return m_orgIds.isEmpty() ? 0 : pick(m_orgIds); }

    QJsonValue idOrNull(qint64 id)
    {
        return id > 0 ? QJsonValue(id) : QJsonValue(QJsonValue::Null);
    }

    void add(Entity entity, qint64 id, QJsonObject json)
    {
        json.insert(u"id"_s, id);
        FakeDataset::Record r;
        r.id = id;
        r.json = std::move(json);
        m_data.tableRef(entity).append(std::move(r));
    }

    QString fieldKey(FieldSet set, const QString &name)
    {
        const QByteArray seedText = QByteArray::number(m_data.m_seed) + '/'
            + QByteArray::number(int(set)) + '/' + name.toUtf8();
        const QString key = QString::fromLatin1(
            QCryptographicHash::hash(seedText, QCryptographicHash::Sha1).toHex());
        m_data.m_customKeys.insert(QString::number(int(set)) + u'/' + name, key);
        return key;
    }

    // ---- company, users -------------------------------------------------------------------

    void makeCompany()
    {
        m_data.m_company = QJsonObject {
            { u"company_id"_s, 7340001 },
            { u"company_name"_s, u"Fake Company GmbH"_s },
            { u"company_domain"_s, u"fake-company"_s },
            { u"company_country"_s, u"DE"_s },
            { u"company_industry"_s, u"Software"_s },
            { u"language"_s,
                QJsonObject { { u"language_code"_s, u"en"_s }, { u"country_code"_s, u"US"_s } } },
        };
    }

    QJsonArray access(bool admin)
    {
        QJsonArray a;
        a.append(QJsonObject { { u"app"_s, u"sales"_s }, { u"admin"_s, admin },
            { u"permission_set_id"_s, u"62cc4d7f-4038-4352-abf3-a8c1c822b631"_s } });
        a.append(QJsonObject { { u"app"_s, u"global"_s }, { u"admin"_s, admin },
            { u"permission_set_id"_s, u"233b7976-39bd-43a9-b305-ef3a2b0998e5"_s } });
        if (admin)
            a.append(QJsonObject { { u"app"_s, u"account_settings"_s }, { u"admin"_s, true },
                { u"permission_set_id"_s, u"982c5ce5-b8ba-4b47-b102-9da024f4b990"_s } });
        return a;
    }

    void makeUsers()
    {
        for (int i = 0; i < m_sizes.users; ++i) {
            const qint64 id = i + 1;
            QString name;
            QString email;
            bool active = true;
            bool deleted = false;
            bool activated = true;
            QJsonValue phone = u"+49 30 5550%1"_s.arg(100 + i);
            QJsonValue icon = u"https://fake-company.example/avatars/%1.png"_s.arg(id);
            switch (id) {
            case 1:
                name = u"Olivia Owner"_s;
                email = u"owner@fake-company.example"_s;
                break;
            case 2:
                name = u"Ben Builder"_s;
                email = u"ben.builder@fake-company.example"_s;
                phone = QJsonValue::Null;
                icon = QJsonValue::Null;
                break;
            case 3:
                name = u"Dana Miller"_s;
                email = u"Dana.Miller@Fake-Company.example"_s;
                break;
            case 4:
                name = u"Ivan Inactive"_s;
                email = u"ivan.inactive@fake-company.example"_s;
                active = false;
                activated = false;
                break;
            case 5:
                name = u"Dana Miller (second login)"_s;
                email = u"dana.miller@fake-company.example"_s; // differs from user 3 only in case
                break;
            case 6:
                name = u"Dora Deleted"_s;
                email = u"dora.deleted@fake-company.example"_s;
                active = false;
                deleted = true;
                break;
            default: {
                const QString first = pick(kFirstNames);
                const QString last = pick(kLastNames);
                name = first + u' ' + last;
                email = u"%1.%2%3@fake-company.example"_s.arg(asciiFold(first), asciiFold(last))
                            .arg(id);
                active = (id % 9) != 0;
                break;
            }
            }
            const auto [created, modified] = times(i, m_sizes.users);
            QJsonObject u {
                { u"name"_s, name },
                { u"default_currency"_s, u"EUR"_s },
                { u"locale"_s, u"en_US"_s },
                { u"lang"_s, 1 },
                { u"email"_s, email },
                { u"phone"_s, phone },
                { u"activated"_s, activated },
                { u"last_login"_s, activated ? v1Time(modified) : u"0000-00-00 00:00:00"_s },
                { u"created"_s, v1Time(created) },
                { u"modified"_s, v1Time(modified) },
                { u"has_created_company"_s, id == 1 },
                { u"access"_s, access(id == 1) },
                { u"active_flag"_s, active },
                { u"timezone_name"_s, u"Europe/Berlin"_s },
                { u"timezone_offset"_s, u"+01:00"_s },
                { u"role_id"_s, 1 },
                { u"icon_url"_s, icon },
                { u"is_you"_s, id == 1 },
                { u"is_deleted"_s, deleted },
            };
            add(Entity::Users, id, u);
            m_userIds.append(id);
            if (active)
                m_activeUserIds.append(id);
        }
    }

    // ---- pipelines, stages, activity types ---------------------------------------------------

    void makePipelines()
    {
        const qint64 t = kBaseSecs - 30 * kDay;
        auto pipeline = [&](qint64 id, const QString &name) {
            add(Entity::Pipelines, id,
                { { u"name"_s, name }, { u"order_nr"_s, id }, { u"is_deleted"_s, false },
                    { u"is_deal_probability_enabled"_s, id == 1 }, { u"add_time"_s, v2Time(t) },
                    { u"update_time"_s, v2Time(t + id * kDay) } });
        };
        pipeline(1, u"Sales pipeline"_s);
        pipeline(2, u"Partnerships"_s);
        struct StageDef
        {
            qint64 pipeline;
            const char16_t *name;
            int probability;
        };
        // Names chosen to exercise the keyword stage mapping (qualif, demo, proposal, negotiat,
        // contract, analys, present) plus "Lead in" that maps to nothing.
        const StageDef stages[] = {
            { 1, u"Lead in", 10 },
            { 1, u"Qualified", 20 },
            { 1, u"Demo scheduled", 40 },
            { 1, u"Proposal made", 60 },
            { 1, u"Negotiations started", 80 },
            { 2, u"Lead in", 10 },
            { 2, u"Needs analysis", 30 },
            { 2, u"Presentation", 50 },
            { 2, u"Contract sent", 90 },
        };
        int order = 0;
        qint64 id = 0;
        qint64 lastPipeline = 0;
        for (const auto &s : stages) {
            ++id;
            order = s.pipeline == lastPipeline ? order + 1 : 1;
            lastPipeline = s.pipeline;
            add(Entity::Stages, id,
                { { u"order_nr"_s, order }, { u"name"_s, QString::fromUtf16(s.name) },
                    { u"is_deleted"_s, false }, { u"deal_probability"_s, s.probability },
                    { u"pipeline_id"_s, s.pipeline }, { u"is_deal_rot_enabled"_s, s.pipeline == 1 },
                    { u"days_to_rotten"_s, s.pipeline == 1 ? QJsonValue(14) : QJsonValue() },
                    { u"add_time"_s, v2Time(t) }, { u"update_time"_s, v2Time(t + id * kDay) } });
            m_stagesByPipeline[s.pipeline].append(id);
        }
    }

    void makeActivityTypes()
    {
        struct TypeDef
        {
            const char16_t *name, *key, *icon;
            bool active, custom;
        };
        const TypeDef types[] = {
            { u"Call", u"call", u"call", true, false },
            { u"Meeting", u"meeting", u"meeting", true, false },
            { u"Task", u"task", u"task", true, false },
            { u"Deadline", u"deadline", u"deadline", true, false },
            { u"Email", u"email", u"email", true, false },
            { u"Lunch", u"lunch", u"lunch", true, false },
            { u"Site visit", u"site_visit", u"meeting", true, true },
            { u"Fax (retired)", u"fax", u"downarrow", false, true },
        };
        qint64 id = 0;
        const qint64 t = kBaseSecs - 60 * kDay;
        for (const auto &ty : types) {
            ++id;
            add(Entity::ActivityTypes, id,
                { { u"name"_s, QString::fromUtf16(ty.name) },
                    { u"icon_key"_s, QString::fromUtf16(ty.icon) }, { u"color"_s, u"FFFFFF"_s },
                    { u"order_nr"_s, id }, { u"key_string"_s, QString::fromUtf16(ty.key) },
                    { u"active_flag"_s, ty.active }, { u"is_custom_flag"_s, ty.custom },
                    { u"add_time"_s, v1Time(t) }, { u"update_time"_s, v1Time(t + id * kDay) } });
        }
    }

    // ---- saved filters ------------------------------------------------------------------------

    // A few saved filters of each type; deterministic, and drawing nothing from the generator,
    // so the records stay what they were before filters existed.
    void makeFilters()
    {
        const auto &users = m_data.table(Entity::Users);
        const qint64 owner = users.isEmpty() ? 1 : users.first().id;
        const QString ownerName
            = users.isEmpty() ? u"Owner"_s : users.first().json.value(u"name"_s).toString();
        const struct
        {
            const char16_t *type;
            QString name;
            QJsonObject conditions;
        } defs[] = {
            { u"deals", u"All open deals"_s, { { u"status"_s, u"open"_s } } },
            { u"deals", u"Won deals"_s, { { u"status"_s, u"won"_s } } },
            { u"org", u"Organizations of "_s + ownerName, { { u"owner_id"_s, owner } } },
            { u"people", u"People of "_s + ownerName, { { u"owner_id"_s, owner } } },
            { u"activity", u"Done activities"_s, { { u"done"_s, true } } },
        };
        qint64 id = 0;
        for (const auto &d : defs) {
            FakeDataset::Filter filter;
            filter.id = ++id;
            filter.name = d.name;
            filter.type = QString::fromUtf16(d.type);
            filter.conditions = d.conditions;
            filter.userId = owner;
            filter.addSecs = kBaseSecs - 30 * kDay + id * 3600;
            m_data.m_filters.append(filter);
        }
    }

    // ---- field metadata -----------------------------------------------------------------------

    QJsonObject field(const QString &code, const QString &name, const QString &type,
        bool custom = false, QJsonValue options = QJsonValue::Null,
        QJsonValue subfields = QJsonValue::Null)
    {
        return { { u"field_code"_s, code }, { u"field_name"_s, name }, { u"field_type"_s, type },
            { u"description"_s, custom ? u"Custom field "_s + name : QString() },
            { u"options"_s, options }, { u"subfields"_s, subfields },
            { u"is_custom_field"_s, custom }, { u"is_optional_response_field"_s, false } };
    }

    QJsonArray options(int firstId, const QStringList &labels)
    {
        static const QStringList colors
            = { u"green"_s, u"yellow"_s, u"red"_s, u"blue"_s, u"purple"_s };
        QJsonArray out;
        for (int i = 0; i < labels.size(); ++i) {
            out.append(QJsonObject { { u"id"_s, firstId + i }, { u"label"_s, labels.at(i) },
                { u"color"_s, colors.at(i % colors.size()) }, { u"add_time"_s, v2Time(kBaseSecs) },
                { u"update_time"_s, v2Time(kBaseSecs) } });
        }
        return out;
    }

    QJsonArray monetarySubfields(const QString &code, const QString &name)
    {
        return QJsonArray {
            QJsonObject { { u"field_code"_s, code }, { u"field_name"_s, u"Amount of "_s + name },
                { u"field_type"_s, u"double"_s } },
            QJsonObject { { u"field_code"_s, code + u"_currency"_s },
                { u"field_name"_s, u"Currency of "_s + name }, { u"field_type"_s, u"varchar"_s } }
        };
    }

    struct CustomDef
    {
        QString key;
        QString type;
        QList<int> optionIds;
    };

    // The custom fields of one set: varchar, double, enum, set, monetary and date.
    QList<CustomDef> customFields(FieldSet set, QList<QJsonObject> &out, const QStringList &names,
        int optionBase, const QStringList &enumLabels, const QStringList &setLabels)
    {
        const QStringList types
            = { u"varchar"_s, u"double"_s, u"enum"_s, u"set"_s, u"monetary"_s, u"date"_s };
        QList<CustomDef> defs;
        for (int i = 0; i < types.size(); ++i) {
            const QString key = fieldKey(set, names.at(i));
            CustomDef def { key, types.at(i), {} };
            QJsonValue opts = QJsonValue::Null;
            QJsonValue subs = QJsonValue::Null;
            if (types.at(i) == u"enum") {
                opts = options(optionBase, enumLabels);
                for (int k = 0; k < enumLabels.size(); ++k)
                    def.optionIds.append(optionBase + k);
            } else if (types.at(i) == u"set") {
                opts = options(optionBase + 20, setLabels);
                for (int k = 0; k < setLabels.size(); ++k)
                    def.optionIds.append(optionBase + 20 + k);
            } else if (types.at(i) == u"monetary") {
                subs = monetarySubfields(key, names.at(i));
            }
            out.append(field(key, names.at(i), types.at(i), true, opts, subs));
            defs.append(def);
        }
        return defs;
    }

    QJsonObject customValues(const QList<CustomDef> &defs, bool full)
    {
        QJsonObject cf;
        for (const auto &d : defs) {
            if (!full && chance(0.35)) {
                cf.insert(d.key, QJsonValue::Null);
                continue;
            }
            if (d.type == u"varchar") {
                cf.insert(d.key, pick(kSentences));
            } else if (d.type == u"double") {
                cf.insert(d.key, between(0, 10000) / 100.0);
            } else if (d.type == u"enum") {
                cf.insert(d.key, pick(d.optionIds));
            } else if (d.type == u"set") {
                QJsonArray ids;
                for (int id : d.optionIds) {
                    if (chance(0.5) || (full && ids.isEmpty()))
                        ids.append(id);
                }
                cf.insert(d.key, ids);
            } else if (d.type == u"monetary") {
                cf.insert(d.key,
                    QJsonObject { { u"value"_s, between(100, 90000) },
                        { u"currency"_s, pick(kCurrencies) } });
            } else if (d.type == u"date") {
                cf.insert(d.key,
                    QDateTime::fromSecsSinceEpoch(kBaseSecs + between(0, 2000) * kDay, Qt::UTC)
                        .toString(u"yyyy-MM-dd"_s));
            }
        }
        return cf;
    }

    void makeFields()
    {
        auto &deal = m_data.m_fields[int(FieldSet::Deal)];
        const QJsonArray statusOptions = {
            QJsonObject { { u"id"_s, u"open"_s }, { u"label"_s, u"Open"_s } },
            QJsonObject { { u"id"_s, u"won"_s }, { u"label"_s, u"Won"_s } },
            QJsonObject { { u"id"_s, u"lost"_s }, { u"label"_s, u"Lost"_s } },
            QJsonObject { { u"id"_s, u"deleted"_s }, { u"label"_s, u"Deleted"_s } },
        };
        deal = {
            field(u"title"_s, u"Title"_s, u"varchar"_s),
            field(u"creator_user_id"_s, u"Creator"_s, u"user"_s),
            field(u"owner_id"_s, u"Owner"_s, u"user"_s),
            field(u"value"_s, u"Value"_s, u"monetary"_s, false, QJsonValue::Null,
                QJsonArray { QJsonObject { { u"field_code"_s, u"value"_s },
                                 { u"field_name"_s, u"Amount of Value"_s },
                                 { u"field_type"_s, u"double"_s } },
                    QJsonObject { { u"field_code"_s, u"currency"_s },
                        { u"field_name"_s, u"Currency of Value"_s },
                        { u"field_type"_s, u"varchar"_s } } }),
            field(u"org_id"_s, u"Organization"_s, u"org"_s),
            field(u"person_id"_s, u"Contact person"_s, u"people"_s),
            field(u"pipeline_id"_s, u"Pipeline"_s, u"double"_s),
            field(u"stage_id"_s, u"Stage"_s, u"stage"_s),
            field(u"status"_s, u"Status"_s, u"status"_s, false, statusOptions),
            field(u"probability"_s, u"Probability"_s, u"double"_s),
            field(u"lost_reason"_s, u"Lost reason"_s, u"varchar_options"_s),
            field(u"visible_to"_s, u"Visible to"_s, u"visible_to"_s),
            field(u"expected_close_date"_s, u"Expected close date"_s, u"date"_s),
            field(u"close_time"_s, u"Deal closed on"_s, u"date"_s),
            field(u"won_time"_s, u"Won time"_s, u"date"_s),
            field(u"lost_time"_s, u"Lost time"_s, u"date"_s),
            field(u"label_ids"_s, u"Label"_s, u"set"_s),
            field(u"add_time"_s, u"Deal created"_s, u"date"_s),
            field(u"update_time"_s, u"Update time"_s, u"date"_s),
        };
        m_dealCustom = customFields(FieldSet::Deal, deal,
            { u"Region notes"_s, u"Discount %"_s, u"Deal source"_s, u"Tags"_s, u"Contract value"_s,
                u"Signed on"_s },
            27, { u"Inbound"_s, u"Outbound"_s, u"Referral"_s, u"Trade fair"_s },
            { u"Hot"_s, u"Strategic"_s, u"Renewal"_s });

        auto &person = m_data.m_fields[int(FieldSet::Person)];
        person = {
            field(u"name"_s, u"Name"_s, u"varchar"_s),
            field(u"first_name"_s, u"First name"_s, u"varchar"_s),
            field(u"last_name"_s, u"Last name"_s, u"varchar"_s),
            field(u"owner_id"_s, u"Owner"_s, u"user"_s),
            field(u"org_id"_s, u"Organization"_s, u"org"_s),
            field(u"emails"_s, u"Email"_s, u"varchar"_s),
            field(u"phones"_s, u"Phone"_s, u"phone"_s),
            field(u"label_ids"_s, u"Labels"_s, u"set"_s),
            field(u"visible_to"_s, u"Visible to"_s, u"visible_to"_s),
            field(u"add_time"_s, u"Person created"_s, u"date"_s),
            field(u"update_time"_s, u"Update time"_s, u"date"_s),
        };
        m_personCustom = customFields(FieldSet::Person, person,
            { u"LinkedIn profile"_s, u"Lead score"_s, u"Customer tier"_s, u"Interests"_s,
                u"Budget"_s, u"Birthday"_s },
            61, { u"Bronze"_s, u"Silver"_s, u"Gold"_s },
            { u"Webinars"_s, u"Newsletter"_s, u"Events"_s, u"Ebooks"_s });

        auto &org = m_data.m_fields[int(FieldSet::Organization)];
        org = {
            field(u"name"_s, u"Name"_s, u"varchar"_s),
            field(u"owner_id"_s, u"Owner"_s, u"user"_s),
            field(u"address"_s, u"Address"_s, u"address"_s, false, QJsonValue::Null,
                QJsonArray { QJsonObject { { u"field_code"_s, u"locality"_s },
                                 { u"field_name"_s, u"City/town/village/locality"_s },
                                 { u"field_type"_s, u"varchar"_s } },
                    QJsonObject { { u"field_code"_s, u"postal_code"_s },
                        { u"field_name"_s, u"ZIP/Postal code"_s },
                        { u"field_type"_s, u"varchar"_s } } }),
            field(u"website"_s, u"Website"_s, u"varchar"_s),
            field(u"linkedin"_s, u"LinkedIn profile"_s, u"varchar"_s),
            field(u"industry"_s, u"Industry"_s, u"enum"_s, false,
                options(1, { u"Software"_s, u"Manufacturing"_s, u"Retail"_s })),
            field(u"annual_revenue"_s, u"Annual revenue"_s, u"monetary"_s),
            field(u"employee_count"_s, u"Number of employees"_s, u"int"_s),
            field(u"label_ids"_s, u"Labels"_s, u"set"_s),
            field(u"visible_to"_s, u"Visible to"_s, u"visible_to"_s),
            field(u"add_time"_s, u"Organization created"_s, u"date"_s),
            field(u"update_time"_s, u"Update time"_s, u"date"_s),
        };
        m_orgCustom = customFields(FieldSet::Organization, org,
            { u"VAT number"_s, u"Rating"_s, u"Segment"_s, u"Regions"_s, u"Credit limit"_s,
                u"Founded"_s },
            91, { u"SMB"_s, u"Mid-market"_s, u"Enterprise"_s },
            { u"DACH"_s, u"Nordics"_s, u"UK"_s, u"Americas"_s });

        auto &activity = m_data.m_fields[int(FieldSet::Activity)];
        activity = {
            field(u"subject"_s, u"Subject"_s, u"varchar"_s),
            field(u"type"_s, u"Type"_s, u"varchar_options"_s),
            field(u"owner_id"_s, u"Assigned to user"_s, u"user"_s),
            field(u"due_date"_s, u"Due date"_s, u"date"_s),
            field(u"due_time"_s, u"Due time"_s, u"time"_s),
            field(u"duration"_s, u"Duration"_s, u"time"_s),
            field(u"busy"_s, u"Free/busy"_s, u"boolean"_s),
            field(u"done"_s, u"Done"_s, u"boolean"_s),
            field(u"deal_id"_s, u"Deal"_s, u"deal"_s),
            field(u"person_id"_s, u"Contact person"_s, u"people"_s),
            field(u"org_id"_s, u"Organization"_s, u"org"_s),
            field(u"note"_s, u"Note"_s, u"text"_s),
            field(u"priority"_s, u"Priority"_s, u"enum"_s, false,
                options(261, { u"Low"_s, u"Medium"_s, u"High"_s })),
        };

        // v1 noteFields items (the v1 shape: id, key, name, field_type, flags, options).
        auto &note = m_data.m_fields[int(FieldSet::Note)];
        const QJsonArray yesNo = { QJsonObject { { u"id"_s, 1 }, { u"label"_s, u"Yes"_s } },
            QJsonObject { { u"id"_s, 0 }, { u"label"_s, u"No"_s } } };
        struct NoteFieldDef
        {
            const char16_t *key, *name, *type;
            bool editable, mandatory, options;
        };
        const NoteFieldDef noteDefs[] = {
            { u"content", u"Content", u"text", false, true, false },
            { u"user_id", u"Author", u"user", false, false, false },
            { u"person_id", u"Person", u"people", false, false, false },
            { u"org_id", u"Organization", u"org", false, false, false },
            { u"add_time", u"Add time", u"date", false, false, false },
            { u"update_time", u"Update time", u"date", false, false, false },
            { u"pinned_to_deal_flag", u"Note is pinned to deal", u"enum", true, true, true },
            { u"pinned_to_person_flag", u"Note is pinned to person", u"enum", true, true, true },
            { u"pinned_to_organization_flag", u"Note is pinned to organization", u"enum", true,
                true, true },
            { u"pinned_to_lead_flag", u"Note is pinned to lead", u"enum", true, true, true },
        };
        int noteFieldId = 0;
        for (const auto &d : noteDefs) {
            note.append(QJsonObject { { u"id"_s, ++noteFieldId },
                { u"key"_s, QString::fromUtf16(d.key) }, { u"name"_s, QString::fromUtf16(d.name) },
                { u"field_type"_s, QString::fromUtf16(d.type) }, { u"active_flag"_s, true },
                { u"edit_flag"_s, d.editable }, { u"bulk_edit_allowed"_s, true },
                { u"mandatory_flag"_s, d.mandatory },
                { u"options"_s, d.options ? QJsonValue(yesNo) : QJsonValue() } });
        }
    }

    // ---- organizations ------------------------------------------------------------------------

    QJsonObject address(const QString &street, const QString &number, const QString &city,
        const QString &zip, const QString &country)
    {
        return { { u"value"_s, u"%1 %2, %3 %4, %5"_s.arg(street, number, zip, city, country) },
            { u"country"_s, country },
            { u"admin_area_level_1"_s, city == u"Berlin" ? u"Berlin"_s : u"State of "_s + city },
            { u"admin_area_level_2"_s, QString() }, { u"locality"_s, city },
            { u"sublocality"_s, QString() }, { u"route"_s, street }, { u"street_number"_s, number },
            { u"subpremise"_s, QString() }, { u"postal_code"_s, zip } };
    }

    void makeOrganizations()
    {
        qint64 id = 0;
        const int n = m_sizes.organizations;
        for (int i = 0; i < n; ++i) {
            id = nextId(id, i);
            const auto [addT, updT] = times(i, n);
            QString name;
            QJsonValue addr = address(pick(kStreets), QString::number(between(1, 200)),
                pick(kCities), QString::number(between(10000, 99999)), u"Germany"_s);
            QJsonValue website = QJsonValue::Null;
            qint64 owner = randomUser();
            switch (id) {
            case 1:
                name = u"Acme GmbH"_s;
                addr
                    = address(u"Friedrichstraße"_s, u"68"_s, u"Berlin"_s, u"10117"_s, u"Germany"_s);
                website = u"https://acme.example"_s;
                owner = 1;
                break;
            case 2:
            case 3:
                name = u"Globex Corporation"_s; // two organizations with one name
                break;
            case 4:
                name = u"  Globex Corporation "_s; // the same name once trimmed
                break;
            case 5:
                name = u"Ünïcödé Straße & Söhne 🚀 株式会社"_s;
                break;
            case 6:
                name = u"Robert'); DROP TABLE accounts;--"_s;
                break;
            case 7:
                name = u"The Extremely Long Name Company "_s.repeated(10).trimmed(); // ~320 chars
                break;
            case 8:
                name = u"Nowhere Ltd"_s; // no address, owned by the inactive user
                addr = QJsonValue::Null;
                owner = qMin<qint64>(4, m_sizes.users);
                break;
            case 9:
                name = u"O'Brien \"Quotes\" & Co. <b>bold</b>"_s;
                break;
            default:
                name = pick(kCompanyWords1) + u' ' + pick(kCompanyWords2) + u' '
                    + pick(kCompanySuffixes);
                if (chance(0.6))
                    website = u"https://www.%1.example"_s.arg(asciiFold(name));
                if (chance(0.1))
                    addr = QJsonValue::Null;
                break;
            }
            QJsonObject o {
                { u"name"_s, name },
                { u"owner_id"_s, owner },
                { u"add_time"_s, v2Time(addT) },
                { u"update_time"_s, v2Time(updT) },
                { u"is_deleted"_s, false },
                { u"visible_to"_s, chance(0.8) ? 3 : 7 },
                { u"address"_s, addr },
                { u"label_ids"_s, chance(0.3) ? QJsonArray { between(1, 5) } : QJsonArray {} },
                { u"website"_s, website },
                { u"linkedin"_s, QJsonValue::Null },
                { u"industry"_s, chance(0.5) ? QJsonValue(between(1, 3)) : QJsonValue() },
                { u"annual_revenue"_s,
                    chance(0.3) ? QJsonValue(between(1, 500) * 100000) : QJsonValue() },
                { u"employee_count"_s, chance(0.5) ? QJsonValue(between(1, 5000)) : QJsonValue() },
                { u"custom_fields"_s, customValues(m_orgCustom, id == 1) },
            };
            add(Entity::Organizations, id, o);
            m_orgIds.append(id);
        }
    }

    // ---- persons ------------------------------------------------------------------------------

    void makePersons()
    {
        qint64 id = 0;
        const int n = m_sizes.persons;
        auto org = [this](qint64 wanted) {
            return wanted <= m_orgIds.size() ? wanted : randomOrg();
        };
        QStringList earlierEmails;
        for (int i = 0; i < n; ++i) {
            id = nextId(id, i);
            const auto [addT, updT] = times(i, n);
            QString first = pick(kFirstNames);
            QString last = pick(kLastNames);
            QString name;
            QJsonArray emails;
            QJsonArray phones { emailItem(
                u"+49 %1 %2"_s.arg(between(30, 899)).arg(between(100000, 9999999)), true,
                u"work"_s) };
            qint64 orgId = chance(0.85) ? randomOrg() : 0;
            const QString plain = u"%1.%2@example.com"_s.arg(asciiFold(first), asciiFold(last));
            switch (id) {
            case 1:
                first = u"Anna"_s, last = u"Schmidt"_s;
                emails = { emailItem(u"anna.schmidt@acme.example"_s, true, u"work"_s) };
                orgId = org(1);
                break;
            case 2:
                first = u"Bruno"_s, last = u"Noemail"_s; // no e-mail at all
                orgId = org(1);
                break;
            case 3:
                first = u"Clara"_s, last = u"Multi"_s; // several, the primary one not first
                emails = { emailItem(u"clara.home@example.net"_s, false, u"home"_s),
                    emailItem(u"clara.multi@globex.example"_s, true, u"work"_s),
                    emailItem(u"clara.other@example.org"_s, false, u"other"_s) };
                orgId = org(2);
                break;
            case 4:
                first = u"David"_s, last = u"Shared"_s;
                emails = { emailItem(u"shared@example.com"_s, true, u"work"_s) };
                orgId = org(2);
                break;
            case 5:
                first = u"Eva"_s, last = u"Shared"_s; // same address as person 4
                emails = { emailItem(u"shared@example.com"_s, true, u"work"_s) };
                orgId = org(3);
                break;
            case 6:
                first = u"Frank"_s,
                last = u"Caseonly"_s; // person 4's address up to case and spaces
                emails = { emailItem(u"  Shared@Example.COM "_s, true, u"work"_s) };
                orgId = org(4);
                break;
            case 7:
                first = u"Greta"_s, last = u"Invalidfirst"_s; // invalid primary, valid second
                emails = { emailItem(u"greta(at)example"_s, true, u"work"_s),
                    emailItem(u"greta@example.net"_s, false, u"home"_s) };
                orgId = org(8);
                break;
            case 8:
                first = u"Hans"_s, last = u"Invalidonly"_s;
                emails = { emailItem(u"not-an-email"_s, true, u"work"_s) };
                break;
            case 9:
                first = u"Zoë"_s, last = u"Ångström 😀"_s;
                emails = { emailItem(u"zoe.angstrom@example.com"_s, true, u"work"_s) };
                orgId = org(5);
                break;
            case 10:
                first = u"Robert');"_s, last = u"DROP TABLE contacts;--"_s;
                emails = { emailItem(u"bobby.tables@example.com"_s, true, u"work"_s) };
                orgId = org(6);
                break;
            case 11:
                name = u"Cher"_s; // a single name
                first = u"Cher"_s, last = QString();
                emails = { emailItem(u"cher@example.com"_s, true, u"work"_s) };
                break;
            case 12:
                first = u"Jean \"JJ\""_s, last = u"O'Neil"_s; // quotes, no organization
                emails = { emailItem(u"jj.oneil@example.com"_s, true, u"work"_s) };
                orgId = 0;
                break;
            case 13:
                first = u"Maximilian"_s;
                last = u"Alexander-Wolfgang-"_s.repeated(16) + u"End"_s; // ~300 chars
                emails = { emailItem(u"max.long@example.com"_s, true, u"work"_s) };
                orgId = org(7);
                break;
            case 14:
                first = u"Ida"_s, last = u"Archivedonly"_s; // her only deal is archived
                emails = { emailItem(u"ida.archived@example.com"_s, true, u"work"_s) };
                orgId = org(1);
                break;
            case 15:
                first = u"Jonas"_s, last = u"Lead"_s; // no deals, but activities
                emails = { emailItem(u"jonas.lead@example.com"_s, true, u"work"_s) };
                break;
            case 16:
                first = u"Karl"_s, last = u"Lonely"_s; // no deals, no activities
                emails = { emailItem(u"karl.lonely@example.com"_s, true, u"work"_s) };
                phones = {};
                break;
            case 17:
                first = u"Lena"_s, last = u"Wonlost"_s; // one won and one lost deal
                emails = { emailItem(u"lena.wonlost@example.com"_s, true, u"work"_s) };
                orgId = org(2);
                break;
            case 18:
                first = u"Mia"_s, last = u"Deletedonly"_s; // her only deal is deleted
                emails = { emailItem(u"mia.deleted@example.com"_s, true, u"work"_s) };
                break;
            case 19:
                first = u"Nina"_s, last = u"Notes"_s; // no deals, has notes
                emails = { emailItem(u"nina.notes@example.com"_s, true, u"work"_s) };
                break;
            case 20:
                first = u"Otto"_s, last = u"Phones"_s; // several phones, primary not first
                emails = { emailItem(u"otto.phones@example.com"_s, true, u"work"_s) };
                phones = { emailItem(u"+49 170 1111111"_s, false, u"mobile"_s),
                    emailItem(u"+49 30 2222222"_s, true, u"work"_s),
                    emailItem(u"+49 30 3333333"_s, false, u"home"_s) };
                orgId = org(9);
                break;
            default: {
                const double r = m_rng.generateDouble();
                if (r < 0.08) {
                    // no e-mail
                } else if (r < 0.18) {
                    const bool primaryFirst = chance(0.5);
                    emails = { emailItem(u"%1.%2@mail.example"_s.arg(asciiFold(first)).arg(id),
                                   primaryFirst, u"home"_s),
                        emailItem(plain, !primaryFirst, u"work"_s) };
                } else if (r < 0.20 && !earlierEmails.isEmpty()) {
                    QString dup = pick(earlierEmails);
                    if (chance(0.5))
                        dup = u' ' + dup.toUpper() + u' ';
                    emails = { emailItem(dup, true, u"work"_s) };
                } else if (r < 0.21) {
                    emails = { emailItem(asciiFold(first) + u"@"_s, true, u"work"_s) };
                } else {
                    // Unique per person: the id keeps generated addresses from colliding.
                    emails = { emailItem(
                        u"%1.%2.%3@example.com"_s.arg(asciiFold(first), asciiFold(last)).arg(id),
                        true, u"work"_s) };
                }
                if (chance(0.15))
                    phones = {};
                else if (chance(0.1))
                    phones.append(emailItem(
                        u"+49 151 %1"_s.arg(between(1000000, 9999999)), false, u"mobile"_s));
                break;
            }
            }
            if (name.isEmpty())
                name = first + u' ' + last;
            for (const auto &e : std::as_const(emails)) {
                if (earlierEmails.size() < 1000)
                    earlierEmails.append(e.toObject().value(u"value"_s).toString().trimmed());
            }
            QJsonObject p {
                { u"name"_s, name },
                { u"first_name"_s, first },
                { u"last_name"_s, last },
                { u"owner_id"_s,
                    id <= kSpecialRange ? qint64(1 + (id % qMax(1, m_sizes.users)))
                                        : randomUser() },
                { u"org_id"_s, idOrNull(orgId) },
                { u"add_time"_s, v2Time(addT) },
                { u"update_time"_s, v2Time(updT) },
                { u"emails"_s, emails },
                { u"phones"_s, phones },
                { u"is_deleted"_s, false },
                { u"visible_to"_s, 3 },
                { u"label_ids"_s, QJsonArray {} },
                { u"picture_id"_s, QJsonValue::Null },
                { u"custom_fields"_s, customValues(m_personCustom, id == 1) },
            };
            add(Entity::Persons, id, p);
            m_personIds.append(id);
            m_personOrg.insert(id, orgId);
        }
    }

    // ---- deals --------------------------------------------------------------------------------

    struct DealSpec
    {
        QString title;
        QString status = u"open"_s;
        qint64 person = 0;
        qint64 org = 0;
        qint64 stage = 1;
        QString currency = u"EUR"_s;
        double value = 0;
        bool archived = false;
        QJsonValue lostReason = QJsonValue::Null;
        QJsonValue probability = QJsonValue::Null;
    };

    void makeDeals()
    {
        qint64 id = 0;
        const int n = m_sizes.deals;
        auto person = [this](qint64 p) {
            return p <= m_personIds.size() ? p : 0;
        };
        auto org = [this](qint64 o) {
            return o <= m_orgIds.size() ? o : 0;
        };
        for (int i = 0; i < n; ++i) {
            id = nextId(id, i);
            const auto [addT, updT] = times(i, n);
            DealSpec d;
            d.value = between(5, 2000) * 100;
            switch (id) {
            case 1:
                d = { u"Acme platform licence"_s, u"open"_s, person(1), org(1), 2, u"EUR"_s, 5000 };
                break;
            case 2:
                d = { u"Orphan deal without contacts"_s, u"open"_s, 0, 0, 1, u"USD"_s, 1200 };
                break;
            case 3:
                d = { u"Globex renewal"_s, u"won"_s, person(17), org(2), 5, u"EUR"_s, 24000 };
                break;
            case 4:
                d = { u"Globex add-on"_s, u"lost"_s, person(17), org(3), 4, u"EUR"_s, 800 };
                d.lostReason = u"Budget cut; \"too expensive\" for them"_s;
                break;
            case 5:
                d = { u"Deleted deal"_s, u"deleted"_s, person(18), 0, 3, u"EUR"_s, 300 };
                break;
            case 6:
                d = { u"Archived proposal"_s, u"open"_s, person(14), org(1), 4, u"EUR"_s, 4200 };
                d.archived = true;
                break;
            case 7:
                d = { u"Archived lost deal"_s, u"lost"_s, person(3), org(2), 2, u"GBP"_s, 950 };
                d.archived = true;
                d.lostReason = u"Went with a competitor"_s;
                break;
            case 8:
                d = { u"Tokyo expansion"_s, u"open"_s, person(3), org(5), 9, u"JPY"_s, 1500000 };
                break;
            case 9:
                d = { u"Großauftrag 🚀 Ünïcödé"_s, u"open"_s, person(9), org(5), 3, u"GBP"_s,
                    77000.5 };
                break;
            case 10:
                d = { u"Robert'); DROP TABLE opportunities;--"_s, u"open"_s, person(10), org(6), 5,
                    u"CHF"_s, 999.99 };
                break;
            case 11:
                d = { u"Deal with a person but no organization"_s, u"open"_s, person(4), 0, 1,
                    u"USD"_s, 50 };
                break;
            case 12:
                d = { u"\"Quoted\" deal with 'single' quotes"_s, u"open"_s, person(5), org(4), 7,
                    u"EUR"_s, 10 };
                d.probability = 75;
                break;
            case 13:
                d = { u"Long deal "_s + u"with a very long title "_s.repeated(12), u"open"_s,
                    person(6), org(7), 8, u"USD"_s, 123456.78 };
                break;
            case 14:
                d = { u"Won small deal"_s, u"won"_s, person(7), org(8), 3, u"EUR"_s, 2500 };
                break;
            case 15:
                d = { u"Partnership kickoff"_s, u"open"_s, person(20), org(9), 6, u"EUR"_s, 0 };
                break;
            default: {
                const double r = m_rng.generateDouble();
                d.status = r < 0.62 ? u"open"_s
                    : r < 0.80      ? u"won"_s
                    : r < 0.97      ? u"lost"_s
                                    : u"deleted"_s;
                d.archived = d.status != u"deleted" && chance(0.03);
                const qint64 pipeline = chance(0.7) ? 1 : 2;
                d.stage = pick(m_stagesByPipeline.value(pipeline));
                d.person = chance(0.85) ? randomPerson() : 0;
                const qint64 personOrg = m_personOrg.value(d.person);
                d.org = chance(0.8) ? (personOrg > 0 ? personOrg : randomOrg()) : 0;
                const double c = m_rng.generateDouble();
                d.currency = c < 0.5 ? u"EUR"_s
                    : c < 0.8        ? u"USD"_s
                    : c < 0.9        ? u"GBP"_s
                    : c < 0.97       ? u"CHF"_s
                                     : u"JPY"_s;
                if (d.currency == u"JPY")
                    d.value *= 100;
                if (d.status == u"lost")
                    d.lostReason = chance(0.8) ? QJsonValue(pick(kLostReasons)) : QJsonValue();
                if (chance(0.3))
                    d.probability = between(1, 9) * 10;
                d.title = pick(kCompanyWords1) + u' ' + pick(kCompanyWords2) + u" deal #"_s
                    + QString::number(id);
                break;
            }
            }
            if (d.stage > m_data.table(Entity::Stages).size())
                d.stage = 1;
            const qint64 pipelineId = d.stage <= 5 ? 1 : 2;
            const bool won = d.status == u"won";
            const bool lost = d.status == u"lost";
            const qint64 closeT = updT;
            const QJsonValue closeTime = (won || lost) ? QJsonValue(v2Time(closeT)) : QJsonValue();
            const QString closeDate = v2Time(closeT).left(10);
            QJsonValue expected = QJsonValue::Null;
            if (chance(0.7) || id == 1)
                expected = v2Time(addT + between(10, 200) * kDay).left(10);
            QJsonObject deal {
                { u"title"_s, d.title },
                { u"creator_user_id"_s, id <= 15 ? qint64(1) : randomActiveUser() },
                { u"owner_id"_s,
                    id <= 15 ? qint64(1 + (id % qMax(1, m_sizes.users))) : randomUser() },
                { u"value"_s, d.value },
                { u"person_id"_s, idOrNull(d.person) },
                { u"org_id"_s, idOrNull(d.org) },
                { u"stage_id"_s, d.stage },
                { u"pipeline_id"_s, pipelineId },
                { u"currency"_s, d.currency },
                { u"archive_time"_s, d.archived ? QJsonValue(v2Time(updT)) : QJsonValue() },
                { u"add_time"_s, v2Time(addT) },
                { u"update_time"_s, v2Time(updT) },
                { u"stage_change_time"_s, v2Time(addT + (updT - addT) / 2) },
                { u"status"_s, d.status },
                { u"is_archived"_s, d.archived },
                { u"is_deleted"_s, d.status == u"deleted" },
                { u"probability"_s, d.probability },
                { u"lost_reason"_s, d.lostReason },
                { u"visible_to"_s, 3 },
                { u"close_time"_s, closeTime },
                { u"won_time"_s, won ? QJsonValue(v2Time(closeT)) : QJsonValue() },
                { u"lost_time"_s, lost ? QJsonValue(v2Time(closeT)) : QJsonValue() },
                { u"local_won_date"_s, won ? QJsonValue(closeDate) : QJsonValue() },
                { u"local_lost_date"_s, lost ? QJsonValue(closeDate) : QJsonValue() },
                { u"local_close_date"_s, (won || lost) ? QJsonValue(closeDate) : QJsonValue() },
                { u"expected_close_date"_s, expected },
                { u"label_ids"_s, chance(0.2) ? QJsonArray { between(1, 4) } : QJsonArray {} },
                { u"origin"_s, u"ManuallyCreated"_s },
                { u"origin_id"_s, QJsonValue::Null },
                { u"channel"_s, QJsonValue::Null },
                { u"channel_id"_s, QJsonValue::Null },
                { u"source_lead_id"_s, QJsonValue::Null },
                { u"arr"_s, QJsonValue::Null },
                { u"mrr"_s, QJsonValue::Null },
                { u"acv"_s, QJsonValue::Null },
                { u"custom_fields"_s, customValues(m_dealCustom, id == 1) },
            };
            add(Entity::Deals, id, deal);
            m_dealIds.append(id);
            m_dealLinks.insert(id, { d.person, d.org });
        }
    }

    // ---- activities ---------------------------------------------------------------------------

    void makeActivities()
    {
        qint64 id = 0;
        const int n = m_sizes.activities;
        auto deal = [this](qint64 d) {
            return d <= m_dealIds.size() ? d : 0;
        };
        auto person = [this](qint64 p) {
            return p <= m_personIds.size() ? p : 0;
        };
        auto org = [this](qint64 o) {
            return o <= m_orgIds.size() ? o : 0;
        };
        for (int i = 0; i < n; ++i) {
            id = nextId(id, i);
            const auto [addT, updT] = times(i, n);
            QString subject;
            QString type = pick(kActivityTypeKeys.mid(0, 6));
            qint64 dealId = 0, personId = 0, orgId = 0;
            QJsonValue leadId = QJsonValue::Null;
            QJsonValue note = QJsonValue::Null;
            QJsonValue priority = QJsonValue::Null;
            const qint64 dueSecs = addT + between(-5, 60) * kDay;
            QJsonValue dueTime = chance(0.6)
                ? QJsonValue(u"%1:%2"_s.arg(between(7, 18), 2, 10, QChar(u'0'))
                                 .arg(between(0, 3) * 15, 2, 10, QChar(u'0'))
                    + (chance(0.5) ? u":00"_s : QString()))
                : QJsonValue();
            QJsonValue duration = dueTime.isNull() ? QJsonValue() : QJsonValue(u"01:00"_s);
            bool done = chance(0.4);
            switch (id) {
            case 1:
                subject = u"Call about the offer"_s, type = u"call"_s;
                dealId = deal(1), personId = person(1), orgId = org(1);
                dueTime = u"15:00"_s, duration = u"00:30"_s, done = false;
                break;
            case 2:
                subject = u"Intro meeting"_s, type = u"meeting"_s;
                personId = person(15), done = true;
                break;
            case 3:
                subject = u"Prepare documents"_s, type = u"task"_s;
                orgId = org(2), dueTime = QJsonValue(), duration = QJsonValue();
                break;
            case 4:
                subject = u"Quarterly review"_s, type = u"deadline"_s; // linked to nothing
                break;
            case 5:
                subject = u"Visit the plant"_s, type = u"site_visit"_s; // a custom type
                dealId = deal(3), personId = person(17), orgId = org(2);
                break;
            case 6:
                subject = QString(), type = u"email"_s; // no subject: the type's name stands in
                personId = person(20), orgId = org(9);
                break;
            case 7:
                subject = u"Pricing workshop"_s, type = u"meeting"_s;
                dealId = deal(8), personId = person(3), orgId = org(5);
                note = u"<p>Agenda: <b>pricing</b> &amp; terms</p><script>alert('x')</script>"_s;
                break;
            case 8:
                subject = u"Robert'); DROP TABLE tasks;--"_s, type = u"call"_s;
                personId = person(10), priority = 263;
                break;
            case 9:
                subject = u"Mittagessen mit Zoë 🍝"_s, type = u"lunch"_s, done = true;
                dealId = deal(9), personId = person(9), orgId = org(5);
                break;
            case 10:
                subject = u"Call the lead"_s, type = u"call"_s; // linked to a lead only
                leadId = uuidFrom(m_rng);
                break;
            default: {
                const double r = m_rng.generateDouble();
                if (r < 0.7 && !m_dealIds.isEmpty()) {
                    dealId = pick(m_dealIds);
                    const auto links = m_dealLinks.value(dealId);
                    personId = links.first, orgId = links.second;
                } else if (r < 0.85) {
                    personId = randomPerson();
                    orgId = m_personOrg.value(personId);
                } else if (r < 0.95) {
                    orgId = randomOrg();
                }
                if (chance(0.03))
                    type = u"site_visit"_s;
                subject = pick(kSentences).chopped(1);
                if (chance(0.3))
                    note = u"<p>"_s + pick(kSentences) + u"</p>"_s;
                if (chance(0.1))
                    priority = between(261, 263);
                break;
            }
            }
            QJsonArray participants;
            if (personId > 0)
                participants.append(
                    QJsonObject { { u"person_id"_s, personId }, { u"primary"_s, true } });
            QJsonObject a {
                { u"subject"_s, subject },
                { u"type"_s, type },
                { u"owner_id"_s, id <= 10 ? qint64(1) : randomUser() },
                { u"creator_user_id"_s, id <= 10 ? qint64(1) : randomActiveUser() },
                { u"is_deleted"_s, false },
                { u"add_time"_s, v2Time(addT) },
                { u"update_time"_s, v2Time(updT) },
                { u"deal_id"_s, idOrNull(dealId) },
                { u"lead_id"_s, leadId },
                { u"person_id"_s, idOrNull(personId) },
                { u"org_id"_s, idOrNull(orgId) },
                { u"project_id"_s, QJsonValue::Null },
                { u"due_date"_s, v2Time(dueSecs).left(10) },
                { u"due_time"_s, dueTime },
                { u"duration"_s, duration },
                { u"busy"_s, !dueTime.isNull() },
                { u"done"_s, done },
                { u"marked_as_done_time"_s, done ? QJsonValue(v2Time(updT)) : QJsonValue() },
                { u"location"_s, QJsonValue::Null },
                { u"participants"_s, participants },
                { u"conference_meeting_client"_s, QJsonValue::Null },
                { u"conference_meeting_url"_s, QJsonValue::Null },
                { u"conference_meeting_id"_s, QJsonValue::Null },
                { u"public_description"_s, QJsonValue::Null },
                { u"priority"_s, priority },
                { u"note"_s, note },
            };
            add(Entity::Activities, id, a);
        }
    }

    // ---- notes --------------------------------------------------------------------------------

    void makeNotes()
    {
        qint64 id = 0;
        const int n = m_sizes.notes;
        auto deal = [this](qint64 d) {
            return d <= m_dealIds.size() ? d : 0;
        };
        auto person = [this](qint64 p) {
            return p <= m_personIds.size() ? p : 0;
        };
        auto org = [this](qint64 o) {
            return o <= m_orgIds.size() ? o : 0;
        };
        auto user = [this](qint64 u) {
            return u <= m_userIds.size() ? u : 1;
        };
        for (int i = 0; i < n; ++i) {
            id = nextId(id, i);
            const auto [addT, updT] = times(i, n);
            QString content;
            qint64 dealId = 0, personId = 0, orgId = 0, userId = randomUser();
            QJsonValue leadId = QJsonValue::Null;
            bool pinnedDeal = false;
            switch (id) {
            case 1:
                content = u"<p>Call went <b>well</b> &amp; they want a demo.</p>"_s;
                dealId = deal(1), personId = person(1), orgId = org(1), userId = 1;
                pinnedDeal = dealId > 0;
                break;
            case 2:
                content = u"<p>Lead from the website form.</p>"_s; // linked to a lead only
                leadId = uuidFrom(m_rng);
                break;
            case 3:
                content
                    = u"<p>Harmless</p><script>alert('xss')</script><img src=x onerror=alert(1)>"_s;
                personId = person(12);
                break;
            case 4:
                content = u"<p><br></p>"_s; // no text once the markup is gone
                orgId = org(2);
                break;
            case 5:
                content = u"<p>"_s
                    + u"Lorem ipsum dolor sit amet, consectetur adipiscing elit. "_s.repeated(350)
                    + u"</p>"_s; // about 20,000 characters
                dealId = deal(3);
                break;
            case 6:
                content = u"Robert'); DROP TABLE notes;-- &lt;b&gt;not bold&lt;/b&gt;"_s;
                personId = person(10);
                break;
            case 7:
                content = u"<p>Zoë sagt: 👍 Grüße aus Köln — “curly” ‘quotes’ ✓</p>"_s;
                personId = person(9), orgId = org(5);
                break;
            case 8:
            case 9:
                content = u"Follow up next week."_s; // two notes with the same text
                dealId = deal(id == 8 ? 8 : 9);
                break;
            case 10:
                content = u"<ul><li>Written by an inactive user</li><li>about a lead</li></ul>"_s;
                userId = user(4), personId = person(19);
                break;
            case 11:
                content = u"<p>Written by a deleted user</p>"_s;
                userId = user(6), orgId = org(5);
                break;
            case 12:
                content = u"<p>Only about a deleted deal</p>"_s;
                dealId = deal(5);
                break;
            default: {
                const double r = m_rng.generateDouble();
                if (r < 0.5 && !m_dealIds.isEmpty()) {
                    dealId = pick(m_dealIds);
                    const auto links = m_dealLinks.value(dealId);
                    personId = links.first, orgId = links.second;
                } else if (r < 0.8) {
                    personId = randomPerson();
                    orgId = m_personOrg.value(personId);
                } else if (r < 0.95) {
                    orgId = randomOrg();
                } else {
                    leadId = uuidFrom(m_rng);
                }
                const double f = m_rng.generateDouble();
                content = f < 0.4 ? u"<p>"_s + pick(kSentences) + u"</p>"_s
                    : f < 0.6     ? u"<p>"_s + pick(kSentences) + u" <b>"_s + pick(kSentences)
                        + u"</b> &amp; more</p>"_s
                    : f < 0.7 ? u"<ul><li>"_s + pick(kSentences) + u"</li><li>"_s + pick(kSentences)
                        + u"</li></ul>"_s
                              : pick(kSentences);
                break;
            }
            }
            QJsonObject note {
                { u"user_id"_s, userId },
                { u"last_update_user_id"_s, userId },
                { u"deal_id"_s, idOrNull(dealId) },
                { u"person_id"_s, idOrNull(personId) },
                { u"org_id"_s, idOrNull(orgId) },
                { u"lead_id"_s, leadId },
                { u"project_id"_s, QJsonValue::Null },
                { u"content"_s, content },
                { u"add_time"_s, v1Time(addT) },
                { u"update_time"_s, v1Time(updT) },
                { u"active_flag"_s, true },
                { u"pinned_to_deal_flag"_s, pinnedDeal },
                { u"pinned_to_person_flag"_s, false },
                { u"pinned_to_organization_flag"_s, false },
                { u"pinned_to_project_flag"_s, false },
                { u"pinned_to_lead_flag"_s, false },
            };
            add(Entity::Notes, id, note);
        }
    }

    QRandomGenerator m_rng;
    DatasetSizes m_sizes;
    FakeDataset m_data;
    QList<qint64> m_userIds, m_activeUserIds, m_orgIds, m_personIds, m_dealIds;
    QHash<qint64, qint64> m_personOrg;
    QHash<qint64, std::pair<qint64, qint64>> m_dealLinks;
    QHash<qint64, QList<qint64>> m_stagesByPipeline;
    QList<CustomDef> m_dealCustom, m_personCustom, m_orgCustom;
};

// ---- FakeDataset ------------------------------------------------------------------------------

FakeDataset::FakeDataset() = default;

FakeDataset FakeDataset::generate(quint32 seed, const DatasetSizes &sizes)
{
    return DatasetGenerator(seed, sizes).run();
}

const QList<FakeDataset::Record> &FakeDataset::table(Entity entity) const
{
    return m_tables[int(entity)];
}

QList<FakeDataset::Record> &FakeDataset::tableRef(Entity entity)
{
    return m_tables[int(entity)];
}

QList<qint64> FakeDataset::ids(Entity entity) const
{
    QList<qint64> out;
    out.reserve(table(entity).size());
    for (const auto &r : table(entity))
        out.append(r.id);
    return out;
}

QList<QJsonObject> FakeDataset::records(Entity entity) const
{
    QList<QJsonObject> out;
    out.reserve(table(entity).size());
    for (const auto &r : table(entity))
        out.append(r.json);
    return out;
}

const FakeDataset::Record *FakeDataset::find(Entity entity, qint64 id) const
{
    const auto &t = table(entity);
    const auto it = std::lower_bound(
        t.cbegin(), t.cend(), id, [](const Record &r, qint64 v) { return r.id < v; });
    return (it != t.cend() && it->id == id) ? &*it : nullptr;
}

QJsonObject FakeDataset::record(Entity entity, qint64 id) const
{
    const Record *r = find(entity, id);
    return r ? r->json : QJsonObject();
}

const QList<QJsonObject> &FakeDataset::fields(FieldSet set) const
{
    return m_fields[int(set)];
}

QString FakeDataset::customFieldKey(FieldSet set, const QString &name) const
{
    return m_customKeys.value(QString::number(int(set)) + u'/' + name);
}

const FakeDataset::Filter *FakeDataset::findFilter(qint64 id) const
{
    for (const Filter &filter : m_filters) {
        if (filter.id == id)
            return &filter;
    }
    return nullptr;
}

qint64 FakeDataset::addFilter(
    const QString &type, const QString &name, const QJsonObject &conditions, const QDateTime &now)
{
    Filter filter;
    filter.id = m_filters.isEmpty() ? 1 : m_filters.last().id + 1;
    filter.name = name;
    filter.type = type;
    filter.conditions = conditions;
    const auto &users = table(Entity::Users);
    filter.userId = users.isEmpty() ? 1 : users.first().id;
    filter.addSecs = now.toSecsSinceEpoch();
    m_filters.append(filter);
    ++m_version;
    return filter.id;
}

QString FakeDataset::filterType(Entity entity)
{
    switch (entity) {
    case Entity::Deals:
        return u"deals"_s;
    case Entity::Organizations:
        return u"org"_s;
    case Entity::Persons:
        return u"people"_s;
    case Entity::Activities:
        return u"activity"_s;
    default:
        return {};
    }
}

bool FakeDataset::filterMatches(const Filter &filter, const QJsonObject &record)
{
    const QJsonObject custom = record.value(u"custom_fields"_s).toObject();
    for (auto it = filter.conditions.constBegin(); it != filter.conditions.constEnd(); ++it) {
        QJsonValue value = record.value(it.key());
        if (value.isUndefined())
            value = custom.value(it.key());
        if (value.isArray() ? !value.toArray().contains(*it) : value != *it)
            return false;
    }
    return true;
}

QJsonObject FakeDataset::company() const
{
    return m_company;
}

void FakeDataset::stamp(Entity entity, Record &record)
{
    record.addSecs = parseTime(record.json.value(addKey(entity)).toString()).value_or(0);
    record.updateSecs
        = parseTime(record.json.value(updateKey(entity)).toString()).value_or(record.addSecs);
}

QJsonObject FakeDataset::templateFor(Entity entity, const QJsonObject &given, qint64 secs) const
{
    // Every key an entity of this kind carries, so added records keep the served shape: nulls
    // where Pipedrive allows them, and what Pipedrive fills in on create everywhere else.
    const auto &t = table(entity);
    QJsonObject shape;
    if (!t.isEmpty()) {
        for (auto it = t.first().json.constBegin(); it != t.first().json.constEnd(); ++it) {
            const QJsonValue v = it.value();
            if (v.isBool())
                shape.insert(it.key(), false);
            else if (v.isArray())
                shape.insert(it.key(), QJsonArray());
            else if (it.key() == u"custom_fields")
                shape.insert(it.key(), QJsonObject());
            else
                shape.insert(it.key(), QJsonValue::Null);
        }
    }
    // The token's user owns what the test adds.
    QJsonObject me;
    for (const auto &u : table(Entity::Users)) {
        if (u.json.value(u"is_you"_s).toBool()) {
            me = u.json;
            me.insert(u"id"_s, u.id);
            break;
        }
    }
    const qint64 meId = me.isEmpty() ? 1 : me.value(u"id"_s).toInteger();
    const QString time = formatTime(entity, secs);
    auto set = [&](const QString &key, const QJsonValue &value) {
        shape.insert(key, value);
    };
    switch (entity) {
    case Entity::Users:
        set(u"name"_s, u"New User"_s);
        set(u"email"_s, u"new.user@fake-company.example"_s);
        set(u"default_currency"_s, u"EUR"_s);
        set(u"locale"_s, u"en_US"_s);
        set(u"lang"_s, 1);
        set(u"activated"_s, true);
        set(u"active_flag"_s, true);
        set(u"last_login"_s, time);
        set(u"timezone_name"_s, u"Europe/Berlin"_s);
        set(u"timezone_offset"_s, u"+01:00"_s);
        set(u"role_id"_s, 1);
        break;
    case Entity::Organizations:
        set(u"name"_s, u"New organization"_s);
        set(u"owner_id"_s, meId);
        set(u"visible_to"_s, 3);
        break;
    case Entity::Persons: {
        const QString name = given.value(u"name"_s).toString(u"New person"_s).trimmed();
        const qsizetype space = name.indexOf(u' ');
        set(u"name"_s, name);
        set(u"first_name"_s, space < 0 ? name : name.left(space));
        set(u"last_name"_s, space < 0 ? QString() : name.mid(space + 1));
        set(u"owner_id"_s, meId);
        set(u"visible_to"_s, 3);
        break;
    }
    case Entity::Deals: {
        const auto &stages = table(Entity::Stages);
        const qint64 pipeline
            = table(Entity::Pipelines).isEmpty() ? 1 : table(Entity::Pipelines).first().id;
        qint64 stage = 1;
        for (const auto &st : stages) {
            if (st.json.value(u"pipeline_id"_s).toInteger() == pipeline) {
                stage = st.id;
                break;
            }
        }
        set(u"title"_s, u"New deal"_s);
        set(u"owner_id"_s, meId);
        set(u"creator_user_id"_s, meId);
        set(u"pipeline_id"_s, pipeline);
        set(u"stage_id"_s, stage);
        set(u"value"_s, 0);
        set(u"currency"_s, me.value(u"default_currency"_s).toString(u"EUR"_s));
        set(u"status"_s, u"open"_s);
        set(u"origin"_s, u"API"_s);
        set(u"stage_change_time"_s, time);
        set(u"visible_to"_s, 3);
        break;
    }
    case Entity::Activities:
        set(u"subject"_s, u"New activity"_s);
        set(u"type"_s, u"task"_s);
        set(u"owner_id"_s, meId);
        set(u"creator_user_id"_s, meId);
        set(u"due_date"_s, time.left(10));
        if (given.value(u"person_id"_s).toInteger() > 0)
            set(u"participants"_s,
                QJsonArray {
                    QJsonObject { { u"person_id"_s, given.value(u"person_id"_s).toInteger() },
                        { u"primary"_s, true } } });
        break;
    case Entity::Notes:
        set(u"content"_s, QString());
        set(u"user_id"_s, meId);
        set(u"last_update_user_id"_s, meId);
        set(u"active_flag"_s, true);
        break;
    case Entity::Pipelines:
        set(u"name"_s, u"New pipeline"_s);
        set(u"order_nr"_s, t.size() + 1);
        set(u"is_deal_probability_enabled"_s, false);
        break;
    case Entity::Stages:
        set(u"name"_s, u"New stage"_s);
        set(u"order_nr"_s, 1);
        set(u"deal_probability"_s, 100);
        set(u"pipeline_id"_s,
            table(Entity::Pipelines).isEmpty() ? 1 : table(Entity::Pipelines).first().id);
        break;
    case Entity::ActivityTypes:
        set(u"name"_s, u"New type"_s);
        set(u"key_string"_s, u"new_type"_s);
        set(u"icon_key"_s, u"task"_s);
        set(u"color"_s, u"FFFFFF"_s);
        set(u"order_nr"_s, t.size() + 1);
        set(u"active_flag"_s, true);
        set(u"is_custom_flag"_s, true);
        break;
    }
    return shape;
}

quint64 FakeDataset::touch(Entity entity)
{
    m_tableVersions[int(entity)] = ++m_version;
    return m_version;
}

qint64 FakeDataset::addRecord(Entity entity, QJsonObject record, const QDateTime &now)
{
    auto &t = tableRef(entity);
    const qint64 id = t.isEmpty() ? 1 : t.last().id + 1;
    const qint64 secs = now.toSecsSinceEpoch();
    QJsonObject json = templateFor(entity, record, secs);
    for (auto it = record.constBegin(); it != record.constEnd(); ++it)
        json.insert(it.key(), it.value());
    json.insert(u"id"_s, id);
    json.insert(addKey(entity), formatTime(entity, secs));
    json.insert(updateKey(entity), formatTime(entity, secs));
    if (entity == Entity::Deals)
        json.insert(u"is_deleted"_s, json.value(u"status"_s).toString() == u"deleted");
    Record r;
    r.id = id;
    r.json = std::move(json);
    stamp(entity, r);
    r.revision = touch(entity);
    t.append(std::move(r));
    return id;
}

bool FakeDataset::updateRecord(
    Entity entity, qint64 id, const QJsonObject &patch, const QDateTime &now)
{
    Record *r = const_cast<Record *>(find(entity, id));
    if (!r)
        return false;
    for (auto it = patch.constBegin(); it != patch.constEnd(); ++it) {
        if (it.key() == u"id")
            continue;
        if (it.key() == u"custom_fields" && it.value().isObject()) {
            QJsonObject cf = r->json.value(u"custom_fields"_s).toObject();
            const QJsonObject add = it.value().toObject();
            for (auto c = add.constBegin(); c != add.constEnd(); ++c)
                cf.insert(c.key(), c.value());
            r->json.insert(u"custom_fields"_s, cf);
        } else {
            r->json.insert(it.key(), it.value());
        }
    }
    if (entity == Entity::Deals && patch.contains(u"status"_s))
        r->json.insert(u"is_deleted"_s, patch.value(u"status"_s).toString() == u"deleted");
    const qint64 secs = qMax(now.toSecsSinceEpoch(), r->updateSecs + 1);
    r->json.insert(updateKey(entity), formatTime(entity, secs));
    stamp(entity, *r);
    r->revision = touch(entity);
    return true;
}

bool FakeDataset::deleteRecord(Entity entity, qint64 id, const QDateTime &now)
{
    if (entity == Entity::Deals)
        return updateRecord(
            entity, id, { { u"status"_s, u"deleted"_s }, { u"is_deleted"_s, true } }, now);
    if (entity == Entity::Users)
        return updateRecord(
            entity, id, { { u"is_deleted"_s, true }, { u"active_flag"_s, false } }, now);
    auto &t = tableRef(entity);
    const auto it = std::lower_bound(
        t.begin(), t.end(), id, [](const Record &r, qint64 v) { return r.id < v; });
    if (it == t.end() || it->id != id)
        return false;
    t.erase(it);
    touch(entity);
    return true;
}

QHash<QString, QStringList> FakeDataset::nullsBeyondSpec()
{
    return {
        { u"/api/v2/organizations"_s, { u"address"_s, u"additional_data.next_cursor"_s } },
        { u"/api/v2/persons"_s,
            { u"org_id"_s, u"picture_id"_s, u"additional_data.next_cursor"_s } },
        { u"/api/v2/deals"_s,
            { u"person_id"_s, u"org_id"_s, u"won_time"_s, u"lost_time"_s, u"expected_close_date"_s,
                u"additional_data.next_cursor"_s } },
        { u"/api/v2/deals/archived"_s,
            { u"person_id"_s, u"org_id"_s, u"won_time"_s, u"lost_time"_s, u"expected_close_date"_s,
                u"additional_data.next_cursor"_s } },
        { u"/api/v2/activities"_s,
            { u"deal_id"_s, u"lead_id"_s, u"person_id"_s, u"org_id"_s, u"project_id"_s,
                u"due_time"_s, u"duration"_s, u"marked_as_done_time"_s, u"location"_s,
                u"conference_meeting_client"_s, u"conference_meeting_url"_s,
                u"conference_meeting_id"_s, u"public_description"_s, u"priority"_s, u"note"_s,
                u"additional_data.next_cursor"_s } },
        { u"/api/v2/pipelines"_s, { u"additional_data.next_cursor"_s } },
        { u"/api/v2/stages"_s, { u"additional_data.next_cursor"_s } },
        { u"/api/v1/notes"_s,
            { u"deal_id"_s, u"person_id"_s, u"org_id"_s, u"lead_id"_s, u"project_id"_s, u"deal"_s,
                u"person"_s, u"organization"_s, u"project"_s, u"user.icon_url"_s } },
        { u"/api/v1/noteFields"_s, { u"options"_s } },
    };
}

} // namespace pds::test
