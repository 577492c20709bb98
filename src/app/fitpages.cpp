#include "fitpages.h"

#include "mapping/texttools.h"
#include "usertext.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pds {

namespace {

using mapping::CustomFieldDef;
using mapping::FieldSource;
using mapping::FieldTarget;

QString sourceLabel(FieldSource source)
{
    switch (source) {
    case FieldSource::Organization:
        return UserText::entity(Entity::Organizations);
    case FieldSource::Person:
        return UserText::entity(Entity::Persons);
    case FieldSource::Deal:
        return UserText::entity(Entity::Deals);
    }
    return {};
}

// Pipedrive's field types in words.
QString typeLabel(const QString &type)
{
    static const QHash<QString, const char *> labels {
        { QStringLiteral("varchar"), QT_TRANSLATE_NOOP("pds::FitPages", "text") },
        { QStringLiteral("varchar_auto"), QT_TRANSLATE_NOOP("pds::FitPages", "text") },
        { QStringLiteral("text"), QT_TRANSLATE_NOOP("pds::FitPages", "long text") },
        { QStringLiteral("double"), QT_TRANSLATE_NOOP("pds::FitPages", "number") },
        { QStringLiteral("int"), QT_TRANSLATE_NOOP("pds::FitPages", "number") },
        { QStringLiteral("monetary"), QT_TRANSLATE_NOOP("pds::FitPages", "amount") },
        { QStringLiteral("enum"), QT_TRANSLATE_NOOP("pds::FitPages", "single option") },
        { QStringLiteral("set"), QT_TRANSLATE_NOOP("pds::FitPages", "multiple options") },
        { QStringLiteral("date"), QT_TRANSLATE_NOOP("pds::FitPages", "date") },
        { QStringLiteral("daterange"), QT_TRANSLATE_NOOP("pds::FitPages", "date range") },
        { QStringLiteral("time"), QT_TRANSLATE_NOOP("pds::FitPages", "time") },
        { QStringLiteral("timerange"), QT_TRANSLATE_NOOP("pds::FitPages", "time range") },
        { QStringLiteral("address"), QT_TRANSLATE_NOOP("pds::FitPages", "address") },
        { QStringLiteral("phone"), QT_TRANSLATE_NOOP("pds::FitPages", "phone") },
        { QStringLiteral("user"), QT_TRANSLATE_NOOP("pds::FitPages", "user") },
        { QStringLiteral("people"), QT_TRANSLATE_NOOP("pds::FitPages", "person") },
        { QStringLiteral("org"), QT_TRANSLATE_NOOP("pds::FitPages", "organization") },
        { QStringLiteral("deal"), QT_TRANSLATE_NOOP("pds::FitPages", "deal") },
        { QStringLiteral("boolean"), QT_TRANSLATE_NOOP("pds::FitPages", "yes/no") },
    };
    const auto it = labels.constFind(type);
    return it == labels.constEnd() ? type : FitPages::tr(*it);
}

QString optionsText(const CustomFieldDef &def)
{
    QList<std::pair<qint64, QString>> options;
    for (auto it = def.options.constBegin(); it != def.options.constEnd(); ++it)
        options.append({ it.key().toLongLong(), it.value() });
    std::sort(options.begin(), options.end());
    QStringList labels;
    for (const auto &option : std::as_const(options))
        labels << option.second;
    return labels.join(QStringLiteral(", "));
}

QTableWidgetItem *readOnlyItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

// The name of a sample record for the preview line.
QString recordName(const QJsonObject &record)
{
    const QString title = record.value(QLatin1String("title")).toString().trimmed();
    return title.isEmpty() ? record.value(QLatin1String("name")).toString().trimmed() : title;
}

} // namespace

FitPages::FitPages(QTabWidget *tabs, QObject *parent)
    : QObject(parent)
{
    buildFieldPage(tabs);
    buildStagePage(tabs);
    buildFilterPage(tabs);
    for (const Page &page : std::as_const(m_pages))
        connect(page.load, &QPushButton::clicked, this, &FitPages::loadRequested);
    setConfig(SyncConfig());
}

QString FitPages::targetLabel(const QString &targetId)
{
    static const QHash<QString, const char *> labels {
        { QStringLiteral("accounts.phone"), QT_TR_NOOP("Accounts: phone") },
        { QStringLiteral("accounts.email"), QT_TR_NOOP("Accounts: email") },
        { QStringLiteral("accounts.website"), QT_TR_NOOP("Accounts: website") },
        { QStringLiteral("accounts.address"), QT_TR_NOOP("Accounts: street") },
        { QStringLiteral("accounts.city"), QT_TR_NOOP("Accounts: city") },
        { QStringLiteral("accounts.state"), QT_TR_NOOP("Accounts: state") },
        { QStringLiteral("accounts.zip"), QT_TR_NOOP("Accounts: ZIP code") },
        { QStringLiteral("persons.address"), QT_TR_NOOP("Contacts and leads: street") },
        { QStringLiteral("persons.city"), QT_TR_NOOP("Contacts and leads: city") },
        { QStringLiteral("persons.state"), QT_TR_NOOP("Contacts and leads: state") },
        { QStringLiteral("persons.zip"), QT_TR_NOOP("Contacts and leads: ZIP code") },
        { QStringLiteral("leads.interested_in"), QT_TR_NOOP("Leads: interested in") },
        { QStringLiteral("opportunities.type"), QT_TR_NOOP("Opportunities: type") },
    };
    const auto it = labels.constFind(targetId);
    return it == labels.constEnd() ? targetId : tr(*it);
}

FitPages::Page FitPages::makePage(
    QTabWidget *tabs, const QString &title, const QString &name, const QString &intro)
{
    Page page;
    page.widget = new QWidget(tabs);
    page.widget->setObjectName(name + QStringLiteral("Tab"));
    auto *layout = new QVBoxLayout(page.widget);
    auto *introLabel = new QLabel(intro, page.widget);
    introLabel->setWordWrap(true);
    layout->addWidget(introLabel);
    auto *row = new QHBoxLayout;
    page.load = new QPushButton(
        QIcon(QStringLiteral(":/icons/refresh.svg")), tr("&Load from Pipedrive"), page.widget);
    page.load->setObjectName(name + QStringLiteral("LoadButton"));
    page.load->setAutoDefault(false);
    row->addWidget(page.load);
    page.status = new QLabel(page.widget);
    page.status->setObjectName(name + QStringLiteral("StatusLabel"));
    page.status->setWordWrap(true);
    page.status->setTextFormat(Qt::PlainText);
    row->addWidget(page.status, 1);
    layout->addLayout(row);
    tabs->addTab(page.widget, title);
    m_pages.append(page);
    return page;
}

// ---- Field map ----------------------------------------------------------------------------------

QWidget *FitPages::buildFieldPage(QTabWidget *tabs)
{
    const Page page = makePage(tabs, tr("Field &map"), QStringLiteral("fieldMap"),
        tr("Which Pipedrive field fills each CRM column that Pipedrive has no field of its own "
           "for. Custom fields that no column takes go into the comments of opportunities and "
           "leads as \"Name: value\" lines."));
    auto *layout = qobject_cast<QVBoxLayout *>(page.widget->layout());

    m_fieldTable = new QTableWidget(0, 3, page.widget);
    m_fieldTable->setObjectName(QStringLiteral("fieldMapTable"));
    m_fieldTable->setHorizontalHeaderLabels(
        { tr("CRM column"), tr("Pipedrive field"), tr("Preview") });
    m_fieldTable->verticalHeader()->hide();
    m_fieldTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_fieldTable->horizontalHeader()->setStretchLastSection(true);
    m_fieldTable->setSelectionMode(QAbstractItemView::NoSelection);
    const QList<FieldTarget> &targets = mapping::fieldTargets();
    m_fieldTable->setRowCount(int(targets.size()));
    for (int row = 0; row < targets.size(); ++row) {
        m_fieldTable->setItem(row, 0, readOnlyItem(targetLabel(targets.at(row).id)));
        auto *combo = new QComboBox(m_fieldTable);
        combo->setObjectName(QStringLiteral("fieldCombo_") + targets.at(row).id);
        combo->setAccessibleName(targetLabel(targets.at(row).id));
        m_fieldTable->setCellWidget(row, 1, combo);
        m_fieldTable->setItem(row, 2, readOnlyItem(QString()));
        m_fieldCombos.append(combo);
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            updatePreviews();
            updateCustomFields();
        });
    }
    layout->addWidget(m_fieldTable, 2);

    auto *form = new QFormLayout;
    auto *sampleRow = new QHBoxLayout;
    m_sampleSpin = new QSpinBox(page.widget);
    m_sampleSpin->setObjectName(QStringLiteral("sampleSpin"));
    m_sampleSpin->setRange(1, 1);
    sampleRow->addWidget(m_sampleSpin);
    m_sampleLabel = new QLabel(page.widget);
    m_sampleLabel->setObjectName(QStringLiteral("sampleLabel"));
    m_sampleLabel->setTextFormat(Qt::PlainText);
    sampleRow->addWidget(m_sampleLabel, 1);
    form->addRow(tr("Preview recor&d:"), sampleRow);
    m_sampleSpin->setAccessibleName(tr("Preview record"));
    connect(m_sampleSpin, &QSpinBox::valueChanged, this, &FitPages::updatePreviews);
    m_typeCombo = new QComboBox(page.widget);
    m_typeCombo->setObjectName(QStringLiteral("opportunityTypeCombo"));
    m_typeCombo->addItem(tr("New customer"), QStringLiteral("new_customer"));
    m_typeCombo->addItem(tr("Existing customer"), QStringLiteral("existing_customer"));
    form->addRow(tr("Opportunity &type when no field says:"), m_typeCombo);
    layout->addLayout(form);

    auto *customLabel = new QLabel(tr("Custom fields:"), page.widget);
    layout->addWidget(customLabel);
    m_customTable = new QTableWidget(0, 5, page.widget);
    m_customTable->setObjectName(QStringLiteral("customFieldsTable"));
    m_customTable->setHorizontalHeaderLabels(
        { tr("Records"), tr("Field"), tr("Type"), tr("Options"), tr("Goes to") });
    m_customTable->verticalHeader()->hide();
    m_customTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_customTable->horizontalHeader()->setStretchLastSection(true);
    m_customTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    customLabel->setBuddy(m_customTable);
    layout->addWidget(m_customTable, 1);
    return page.widget;
}

QList<CustomFieldDef> FitPages::fieldsOf(FieldSource source) const
{
    const QString name = mapping::fieldSourceName(source);
    return m_hasCatalog ? m_catalog.fields.value(name) : m_config.fields.value(name);
}

QHash<QString, CustomFieldDef> FitPages::fieldHash(FieldSource source) const
{
    QHash<QString, CustomFieldDef> defs;
    for (const CustomFieldDef &def : fieldsOf(source))
        defs.insert(def.key, def);
    return defs;
}

QString FitPages::fieldName(FieldSource source, const QString &key) const
{
    for (const CustomFieldDef &def : fieldsOf(source)) {
        if (def.key == key)
            return def.name;
    }
    return {};
}

std::optional<QString> FitPages::chosenKey(int row) const
{
    const QVariant data = m_fieldCombos.at(row)->currentData();
    if (!data.isValid())
        return std::nullopt;
    return data.toString();
}

QString FitPages::effectiveKey(int row) const
{
    const std::optional<QString> key = chosenKey(row);
    return key ? *key : mapping::fieldTargets().at(row).defaultKey;
}

void FitPages::fillFieldMap()
{
    const QList<FieldTarget> &targets = mapping::fieldTargets();
    for (int row = 0; row < targets.size(); ++row) {
        const FieldTarget &target = targets.at(row);
        QComboBox *combo = m_fieldCombos.at(row);
        const QSignalBlocker blocker(combo);
        combo->clear();
        if (target.defaultKey.isEmpty()) {
            combo->addItem(target.id == QLatin1String("accounts.phone")
                    ? tr("Nothing: the placeholder")
                    : target.id == QLatin1String("opportunities.type")
                    ? tr("Nothing: the type below")
                    : tr("Nothing"));
        } else {
            QString name = fieldName(target.source, target.defaultKey);
            if (name.isEmpty()) // built-ins some *Fields lists leave out
                name = target.defaultKey == QLatin1String("postal_address") ? tr("postal address")
                    : target.defaultKey == QLatin1String("address")         ? tr("address")
                                                                            : tr("website");
            combo->addItem(tr("Pipedrive's %1 (default)").arg(name));
            combo->addItem(tr("Nothing"), QString());
        }
        for (const CustomFieldDef &def : fieldsOf(target.source)) {
            if (def.key == target.defaultKey)
                continue;
            combo->addItem(def.name.isEmpty() ? tr("(unnamed field)") : def.name, def.key);
            combo->setItemData(combo->count() - 1,
                def.custom ? tr("Custom field, %1").arg(typeLabel(def.type))
                           : tr("Pipedrive field, %1").arg(typeLabel(def.type)),
                Qt::ToolTipRole);
        }
        const auto it = m_config.fieldMap.constFind(target.id);
        if (it == m_config.fieldMap.constEnd()) {
            combo->setCurrentIndex(0);
            continue;
        }
        int index = combo->findData(*it);
        if (index < 0 && it->isEmpty())
            index = 0; // "nothing" is what this target's default is
        if (index < 0) {
            // Mapped to a field this account no longer lists: say so, never show its hash.
            combo->addItem(tr("A field Pipedrive no longer lists"), *it);
            index = combo->count() - 1;
        }
        combo->setCurrentIndex(index);
    }
    m_typeCombo->setCurrentIndex(qMax(0, m_typeCombo->findData(m_config.opportunityType)));
    const int samples
        = int(qMax(qMax(m_catalog.samples.value(QStringLiteral("organizations")).size(),
                       m_catalog.samples.value(QStringLiteral("persons")).size()),
            m_catalog.samples.value(QStringLiteral("deals")).size()));
    m_sampleSpin->setRange(1, qMax(1, samples));
    m_sampleSpin->setEnabled(samples > 1);
    updatePreviews();
    updateCustomFields();
}

void FitPages::updatePreviews()
{
    const int index = m_sampleSpin->value() - 1;
    const auto sample = [&](FieldSource source) -> std::optional<QJsonObject> {
        const QList<QJsonObject> records
            = m_catalog.samples.value(mapping::fieldSourceName(source));
        if (records.isEmpty())
            return std::nullopt;
        return records.at(qMin(index, int(records.size()) - 1));
    };
    QStringList names;
    for (FieldSource source :
        { FieldSource::Organization, FieldSource::Person, FieldSource::Deal }) {
        if (const std::optional<QJsonObject> record = sample(source))
            names << QStringLiteral("%1 “%2”").arg(sourceLabel(source), recordName(*record));
    }
    m_sampleLabel->setText(names.isEmpty() ? tr("Load from Pipedrive to see sample values.")
                                           : names.join(QStringLiteral(" · ")));
    const QList<FieldTarget> &targets = mapping::fieldTargets();
    for (int row = 0; row < targets.size(); ++row) {
        const FieldTarget &target = targets.at(row);
        QString text;
        if (const std::optional<QJsonObject> record = sample(target.source)) {
            const QString key = effectiveKey(row);
            text = mapping::fieldTargetText(*record, target, key, fieldHash(target.source));
            if (target.id == QLatin1String("opportunities.type") && !text.isEmpty()) {
                const std::optional<QString> type = mapping::crmOpportunityType(text);
                text = type ? QStringLiteral("%1 → %2").arg(text, *type)
                            : tr("%1 → not a type: the one below").arg(text);
            }
            if (text.isEmpty())
                text = tr("(empty)");
        }
        m_fieldTable->item(row, 2)->setText(text);
    }
}

void FitPages::updateCustomFields()
{
    m_customTable->setRowCount(0);
    const QList<FieldTarget> &targets = mapping::fieldTargets();
    for (FieldSource source :
        { FieldSource::Organization, FieldSource::Person, FieldSource::Deal }) {
        for (const CustomFieldDef &def : fieldsOf(source)) {
            if (!def.custom)
                continue;
            QStringList mappedTo;
            for (int row = 0; row < targets.size(); ++row) {
                if (targets.at(row).source == source && effectiveKey(row) == def.key)
                    mappedTo << targetLabel(targets.at(row).id);
            }
            QString goesTo = mappedTo.join(QStringLiteral(", "));
            if (goesTo.isEmpty()) {
                goesTo = source == FieldSource::Deal ? tr("Comments of opportunities")
                    : source == FieldSource::Person  ? tr("Comments of leads")
                                                     : tr("Not kept: accounts have no comments");
            }
            const int row = m_customTable->rowCount();
            m_customTable->insertRow(row);
            m_customTable->setItem(row, 0, readOnlyItem(sourceLabel(source)));
            m_customTable->setItem(row, 1, readOnlyItem(def.name));
            m_customTable->setItem(row, 2, readOnlyItem(typeLabel(def.type)));
            m_customTable->setItem(row, 3, readOnlyItem(optionsText(def)));
            m_customTable->setItem(row, 4, readOnlyItem(goesTo));
        }
    }
}

// ---- Stage map ----------------------------------------------------------------------------------

QWidget *FitPages::buildStagePage(QTabWidget *tabs)
{
    const Page page = makePage(tabs, tr("Sta&ge map"), QStringLiteral("stageMap"),
        tr("The CRM stage of open deals in each Pipedrive stage. \"(by name)\" marks the stage "
           "the name's keywords give; won and lost deals are always closed_won and closed_lost."));
    auto *layout = qobject_cast<QVBoxLayout *>(page.widget->layout());
    m_stageTable = new QTableWidget(0, 3, page.widget);
    m_stageTable->setObjectName(QStringLiteral("stageMapTable"));
    m_stageTable->setHorizontalHeaderLabels({ tr("Pipeline"), tr("Stage"), tr("CRM stage") });
    m_stageTable->verticalHeader()->hide();
    m_stageTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_stageTable->horizontalHeader()->setStretchLastSection(true);
    m_stageTable->setSelectionMode(QAbstractItemView::NoSelection);
    layout->addWidget(m_stageTable, 1);
    auto *row = new QHBoxLayout;
    auto *reset = new QPushButton(tr("Reset to the names' &keywords"), page.widget);
    reset->setObjectName(QStringLiteral("resetStagesButton"));
    reset->setAutoDefault(false);
    connect(reset, &QPushButton::clicked, this, &FitPages::resetStages);
    row->addWidget(reset);
    row->addStretch(1);
    layout->addLayout(row);
    return page.widget;
}

void FitPages::fillStages()
{
    // Gone at once, not later: a stage's combo is found by its name.
    for (const StageRow &stage : std::as_const(m_stageRows))
        delete stage.combo;
    m_stageRows.clear();
    if (m_hasCatalog) {
        for (const PipedriveCatalog::Stage &stage : std::as_const(m_catalog.stages))
            m_stageRows.append(
                { stage.id, m_catalog.pipelineName(stage.pipelineId), stage.name, nullptr });
    } else {
        for (const SyncConfig::StageEntry &entry : std::as_const(m_config.stageMap))
            m_stageRows.append({ entry.stageId, entry.pipelineName, entry.stageName, nullptr });
    }
    m_stageTable->setRowCount(0);
    m_stageTable->setRowCount(int(m_stageRows.size()));
    for (int row = 0; row < m_stageRows.size(); ++row) {
        StageRow &stage = m_stageRows[row];
        m_stageTable->setItem(row, 0, readOnlyItem(stage.pipeline));
        m_stageTable->setItem(row, 1, readOnlyItem(stage.name));
        auto *combo = new QComboBox(m_stageTable);
        combo->setObjectName(QStringLiteral("stageCombo_%1").arg(stage.id));
        combo->setAccessibleName(tr("CRM stage of %1").arg(stage.name));
        const QString byName = mapping::crmStageForName(stage.name);
        for (const QString &crmStage : mapping::openCrmStages())
            combo->addItem(
                crmStage == byName ? tr("%1 (by name)").arg(crmStage) : crmStage, crmStage);
        const QString mapped = m_config.crmStageFor(stage.id);
        combo->setCurrentIndex(combo->findData(mapped.isEmpty() ? byName : mapped));
        m_stageTable->setCellWidget(row, 2, combo);
        stage.combo = combo;
    }
}

void FitPages::resetStages()
{
    for (const StageRow &stage : std::as_const(m_stageRows))
        stage.combo->setCurrentIndex(stage.combo->findData(mapping::crmStageForName(stage.name)));
}

// ---- Filters ------------------------------------------------------------------------------------

QWidget *FitPages::buildFilterPage(QTabWidget *tabs)
{
    const Page page = makePage(tabs, tr("Filte&rs"), QStringLiteral("filters"),
        tr("A saved Pipedrive filter syncs only the records it matches; the CRM keeps what is "
           "outside it, and records outside a filter are never taken for deleted. A changed "
           "filter or map re-reads its records in full on the next sync."));
    auto *layout = qobject_cast<QVBoxLayout *>(page.widget->layout());
    auto *form = new QFormLayout;
    for (const QString &entity : SyncConfig::filterEntities()) {
        auto *combo = new QComboBox(page.widget);
        combo->setObjectName(QStringLiteral("filterCombo_") + entity);
        const QString label = UserText::entity(*entityFromName(entity));
        combo->setAccessibleName(tr("Filter for %1").arg(label));
        form->addRow(tr("%1:").arg(label), combo);
        m_filterCombos.insert(entity, combo);
    }
    layout->addLayout(form);
    layout->addStretch(1);
    return page.widget;
}

void FitPages::fillFilters()
{
    for (const QString &entity : SyncConfig::filterEntities()) {
        QComboBox *combo = m_filterCombos.value(entity);
        combo->clear();
        combo->addItem(tr("All records (no filter)"), qint64(0));
        for (const PipedriveCatalog::Filter &filter : m_catalog.filtersFor(entity))
            combo->addItem(filter.name, filter.id);
        const SyncConfig::Filter saved = m_config.filters.value(entity);
        int index = combo->findData(saved.id);
        if (saved.id > 0 && index < 0) {
            combo->addItem(
                m_hasCatalog ? tr("%1 (no longer in Pipedrive)").arg(saved.name) : saved.name,
                saved.id);
            index = combo->count() - 1;
        }
        combo->setCurrentIndex(qMax(0, index));
    }
}

// ---- The configuration --------------------------------------------------------------------------

void FitPages::setConfig(const SyncConfig &config)
{
    m_config = config;
    fillFieldMap();
    fillStages();
    fillFilters();
}

void FitPages::setCatalog(const PipedriveCatalog &catalog)
{
    // What the user chose so far stays chosen.
    SyncConfig edited = m_config;
    applyTo(edited);
    m_catalog = catalog;
    m_hasCatalog = true;
    setConfig(edited);
    setStatus(tr("Read from Pipedrive: %n field(s), ", nullptr,
                  int(catalog.fields.value(QStringLiteral("organizations")).size()
                      + catalog.fields.value(QStringLiteral("persons")).size()
                      + catalog.fields.value(QStringLiteral("deals")).size()))
            + tr("%n stage(s), ", nullptr, int(catalog.stages.size()))
            + tr("%n saved filter(s).", nullptr, int(catalog.filters.size())),
        false);
}

void FitPages::applyTo(SyncConfig &config) const
{
    const QList<FieldTarget> &targets = mapping::fieldTargets();
    config.fieldMap.clear();
    for (int row = 0; row < targets.size(); ++row) {
        if (const std::optional<QString> key = chosenKey(row))
            config.fieldMap.insert(targets.at(row).id, *key);
    }
    config.opportunityType = m_typeCombo->currentData().toString();
    config.stageMap.clear();
    for (const StageRow &stage : m_stageRows) {
        const QString chosen = stage.combo->currentData().toString();
        // Only what differs from the keywords: a renamed stage follows its new name.
        if (chosen != mapping::crmStageForName(stage.name))
            config.stageMap.append({ stage.id, stage.pipeline, stage.name, chosen });
    }
    config.filters.clear();
    for (const QString &entity : SyncConfig::filterEntities()) {
        const QComboBox *combo = m_filterCombos.value(entity);
        const qint64 id = combo->currentData().toLongLong();
        if (id <= 0)
            continue;
        QString name = m_config.filters.value(entity).name;
        for (const PipedriveCatalog::Filter &filter : m_catalog.filters) {
            if (filter.id == id)
                name = filter.name;
        }
        config.filters.insert(entity, { id, name });
    }
    if (m_hasCatalog)
        config.fields = m_catalog.fields;
    else
        config.fields = m_config.fields;
}

void FitPages::setStatus(const QString &text, bool busy)
{
    for (const Page &page : m_pages) {
        page.status->setText(text);
        page.load->setEnabled(!busy);
    }
}

bool FitPages::isFitPage(const QWidget *page) const
{
    for (const Page &p : m_pages) {
        if (p.widget == page)
            return true;
    }
    return false;
}

} // namespace pds
