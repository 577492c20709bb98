#include "fieldcatalog.h"

#include "config/syncconfig.h"
#include "mapping/jsonreader.h"

#include <algorithm>

namespace pds {

namespace {

// GET /api/v1/filters: no paging parameters in the spec (v1.json), cost 20.
Endpoint filtersEndpoint()
{
    return { QStringLiteral("/api/v1/filters"), Paging::None, 20 };
}

int orderOf(const json::Object &item)
{
    return int(mapping::readNumber(item, u"order_nr").value_or(0));
}

bool isDeleted(const json::Object &item)
{
    return mapping::readBool(item, u"is_deleted") == true
        || mapping::readBool(item, u"active_flag") == false;
}

} // namespace

QString PipedriveCatalog::pipelineName(qint64 pipelineId) const
{
    for (const Pipeline &pipeline : pipelines) {
        if (pipeline.id == pipelineId)
            return pipeline.name;
    }
    return {};
}

QList<PipedriveCatalog::Filter> PipedriveCatalog::filtersFor(const QString &entity) const
{
    const QString type = SyncConfig::pipedriveFilterType(entity);
    QList<Filter> found;
    for (const Filter &filter : filters) {
        if (!type.isEmpty() && filter.type == type)
            found.append(filter);
    }
    std::stable_sort(found.begin(), found.end(), [](const Filter &a, const Filter &b) {
        return QString::localeAwareCompare(a.name, b.name) < 0;
    });
    return found;
}

FieldCatalog::FieldCatalog(
    QNetworkAccessManager *nam, const ApiClientConfig &config, QObject *parent)
    : QObject(parent)
    , m_client(new ApiClient(nam, config, this))
{ }

FieldCatalog::~FieldCatalog()
{
    cancel();
}

int FieldCatalog::requestCount() const
{
    return m_client->requestCount();
}

void FieldCatalog::cancel()
{
    m_steps.clear();
    m_loading = false;
    if (m_pager) {
        m_pager->disconnect(this);
        m_pager->cancel();
        m_pager->deleteLater();
    }
}

void FieldCatalog::load()
{
    cancel();
    m_catalog = PipedriveCatalog();
    m_loading = true;
    const auto fields = [](const QString &source) {
        return [source](PipedriveCatalog &catalog, const json::Array &items) {
            catalog.fields.insert(source, mapping::fieldDefs(items));
        };
    };
    m_steps = {
        { endpoints::organizationFields(), {}, m_listPageSize, true,
            fields(QStringLiteral("organizations")) },
        { endpoints::personFields(), {}, m_listPageSize, true, fields(QStringLiteral("persons")) },
        { endpoints::dealFields(), {}, m_listPageSize, true, fields(QStringLiteral("deals")) },
        { endpoints::pipelines(), {}, m_listPageSize, true,
            [](PipedriveCatalog &catalog, const json::Array &items) {
                QList<std::pair<int, PipedriveCatalog::Pipeline>> pipelines;
                for (const json::Value &value : items) {
                    const json::Object item = value.toObject();
                    const std::optional<qint64> id = mapping::readId(item, u"id");
                    if (!id || isDeleted(item))
                        continue;
                    pipelines.append({ orderOf(item),
                        { *id, mapping::readText(item, u"name").value_or(QString()) } });
                }
                std::stable_sort(pipelines.begin(), pipelines.end(),
                    [](const auto &a, const auto &b) { return a.first < b.first; });
                for (const auto &entry : std::as_const(pipelines))
                    catalog.pipelines.append(entry.second);
            } },
        { endpoints::stages(), {}, m_listPageSize, true,
            [](PipedriveCatalog &catalog, const json::Array &items) {
                QList<std::pair<int, PipedriveCatalog::Stage>> stages;
                for (const json::Value &value : items) {
                    const json::Object item = value.toObject();
                    const std::optional<qint64> id = mapping::readId(item, u"id");
                    if (!id || isDeleted(item))
                        continue;
                    stages.append({ orderOf(item),
                        { *id, mapping::readId(item, u"pipeline_id").value_or(0),
                            mapping::readText(item, u"name").value_or(QString()) } });
                }
                const auto pipelineIndex = [&catalog](qint64 pipelineId) {
                    for (qsizetype i = 0; i < catalog.pipelines.size(); ++i) {
                        if (catalog.pipelines.at(i).id == pipelineId)
                            return i;
                    }
                    return catalog.pipelines.size();
                };
                std::stable_sort(stages.begin(), stages.end(), [&](const auto &a, const auto &b) {
                    const qsizetype pa = pipelineIndex(a.second.pipelineId);
                    const qsizetype pb = pipelineIndex(b.second.pipelineId);
                    return pa != pb ? pa < pb : a.first < b.first;
                });
                for (const auto &entry : std::as_const(stages))
                    catalog.stages.append(entry.second);
            } },
        { filtersEndpoint(), {}, 500, true,
            [](PipedriveCatalog &catalog, const json::Array &items) {
                for (const json::Value &value : items) {
                    const json::Object item = value.toObject();
                    const std::optional<qint64> id = mapping::readId(item, u"id");
                    if (!id || mapping::readBool(item, u"active_flag") == false
                        || mapping::readBool(item, u"temporary_flag") == true)
                        continue;
                    catalog.filters.append(
                        { *id, mapping::readText(item, u"name").value_or(QString()),
                            mapping::readText(item, u"type").value_or(QString()) });
                }
            } },
    };
    if (m_sampleSize > 0) {
        const auto samples = [](const QString &source) {
            return [source](PipedriveCatalog &catalog, const json::Array &items) {
                QList<QJsonObject> records;
                for (const json::Value &value : items)
                    records.append(value.toObject().toQt());
                catalog.samples.insert(source, records);
            };
        };
        m_steps.append({ endpoints::organizations(), {}, m_sampleSize, false,
            samples(QStringLiteral("organizations")) });
        m_steps.append(
            { endpoints::persons(), {}, m_sampleSize, false, samples(QStringLiteral("persons")) });
        m_steps.append(
            { endpoints::deals(), {}, m_sampleSize, false, samples(QStringLiteral("deals")) });
    }
    next();
}

void FieldCatalog::next()
{
    if (!m_loading)
        return;
    if (m_steps.isEmpty()) {
        m_loading = false;
        emit loaded(m_catalog);
        return;
    }
    const Step step = m_steps.takeFirst();
    auto *pager = new Pager(m_client, step.endpoint, step.query, step.pageSize, this);
    pager->setRetryPolicy(m_policy);
    m_pager = pager;
    auto collected = std::make_shared<QList<json::Array>>();
    connect(pager, &Pager::pageReady, this, [this, pager, step, collected](const ApiPage &page) {
        collected->append(page.items);
        if (!page.last && step.allPages)
            return pager->fetchNext();
        pager->deleteLater();
        step.take(m_catalog, json::concat(*collected));
        next();
    });
    connect(pager, &Pager::failed, this, [this, pager](const ApiError &error) {
        pager->deleteLater();
        m_steps.clear();
        m_loading = false;
        emit failed(error);
    });
    pager->fetchNext();
}

} // namespace pds
