// The link harvest's compact stores (IdSlots, PackedRows, IdMap) against plain hashes: whatever
// ids come in whatever order, each answers what the hash does, texts come back unit for unit.
#include "sync/linkharvest.h"

#include "mixedtexts.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <random>

using namespace pds;

class TstLinkHarvest : public QObject
{
    Q_OBJECT

private:
    // Ids as a sync meets them: a run going up with gaps, then some far from it (below its
    // start, far above), and some far ones the run reaches later.
    static QList<qint64> mixedIds()
    {
        QList<qint64> ids;
        qint64 id = 1000;
        for (int i = 0; i < 600; ++i) {
            ids << id;
            id += 1 + (i % 7 == 0 ? 3 : 0) + (i % 97 == 0 ? 60 : 0);
        }
        ids << 3 << 999 << -5 << 1'000'000'000'000 << id + 2000 << id + 2050;
        for (int i = 0; i < 2100; ++i) // the run reaches id + 2000 and id + 2050 from here
            ids << id++;
        return ids;
    }

    static QString packedOf(const QString &text, qsizetype n)
    {
        // Two values, as linkpack packs them: lengths then texts.
        return linkpack::pack({ text, text.left(n) });
    }

private slots:
    void packedRowsGiveBackWhatTheyKeep()
    {
        const QStringList texts = test::mixedTexts();
        const QList<qint64> ids = mixedIds();
        PackedRows rows;
        QHash<qint64, QString> model;
        QRandomGenerator random(7);
        // Every id given a text, then most given another (records dropped, the buffer compacted
        // on the way), some removed, some null.
        for (int round = 0; round < 3; ++round) {
            for (const qint64 id : ids) {
                if (round > 0 && random.bounded(4) == 0)
                    continue;
                QString packed = random.bounded(50) == 0
                    ? QString()
                    : packedOf(texts.at(random.bounded(texts.size())), random.bounded(5));
                rows.insert(id, packed);
                model.insert(id, packed);
            }
            for (const qint64 id : ids) {
                if (random.bounded(10) == 0) {
                    QCOMPARE(rows.remove(id), model.remove(id));
                }
            }
            QCOMPARE(rows.size(), model.size());
            for (const qint64 id : ids) {
                QString found = QStringLiteral("untouched");
                QCOMPARE(rows.contains(id), model.contains(id));
                QCOMPARE(rows.find(id, &found), model.contains(id));
                if (!model.contains(id)) {
                    QCOMPARE(found, QStringLiteral("untouched"));
                    continue;
                }
                QCOMPARE(found, model.value(id));
                QCOMPARE(found.isNull(), model.value(id).isNull());
                QCOMPARE(linkpack::unpack(found), linkpack::unpack(model.value(id)));
            }
        }
        QVERIFY(!rows.contains(1001)); // a gap in the run
        QVERIFY(!rows.remove(1001));
        QVERIFY(!rows.contains(2'000'000'000'000));
    }

    void packedRowsKeepEveryCharacterOfEveryText()
    {
        PackedRows rows;
        const QStringList texts = test::mixedTexts();
        for (qsizetype i = 0; i < texts.size(); ++i)
            rows.insert(i, texts.at(i));
        rows.insert(-1, QStringLiteral("")); // empty, not null
        for (qsizetype i = 0; i < texts.size(); ++i) {
            QString found;
            QVERIFY(rows.find(i, &found));
            QCOMPARE(found, texts.at(i));
        }
        QString empty;
        QVERIFY(rows.find(-1, &empty));
        QVERIFY(!empty.isNull());
        QVERIFY(empty.isEmpty());
    }

    void packedRowsTakeLessThanAHashOfStrings()
    {
        // 10,000 rows of a table written in one run: ~4 bytes of slot and a byte a character of
        // Latin-1 each, where a QString in a hash took ~64 bytes besides its text's two a unit.
        PackedRows rows;
        const QString packed = linkpack::pack({ QStringLiteral("Zoë"), QStringLiteral("Ålund") });
        for (qint64 id = 1; id <= 10000; ++id)
            rows.insert(id, packed);
        QVERIFY2(rows.bytes() <= 10000 * (4 + 1 + packed.size()),
            qPrintable(QString::number(rows.bytes())));
        // Every row replaced, four times: the buffer does not keep every copy, and what it kept
        // is the last of each.
        const auto packedOf = [](int round, qint64 id) {
            return linkpack::pack({ QStringLiteral("Zoë"), QStringLiteral("Å%1").arg(id * round) });
        };
        for (int round = 1; round <= 4; ++round) {
            for (qint64 id = 1; id <= 10000; ++id)
                rows.insert(id, packedOf(round, id));
        }
        QVERIFY2(rows.bytes() <= 3 * 10000 * (4 + 1 + packed.size()),
            qPrintable(QString::number(rows.bytes())));
        QCOMPARE(rows.size(), 10000);
        for (qint64 id = 1; id <= 10000; ++id) {
            QString found;
            QVERIFY(rows.find(id, &found));
            QCOMPARE(found, packedOf(4, id));
        }
        rows.clear();
        QVERIFY(rows.isEmpty());
        QCOMPARE(rows.bytes(), 0);
        QVERIFY(!rows.contains(5));
    }

    void sparseIdsDoNotSpreadTheSlots()
    {
        // Each id a quarter past the run's end: slots for all of them would grow without bound.
        PackedRows rows;
        const QString packed = linkpack::pack({ QStringLiteral("a") });
        qint64 id = 0;
        for (; id < 64; ++id)
            rows.insert(id, packed);
        QList<qint64> sparse;
        for (; sparse.size() < 60 && id < 100'000'000; id += id / 4) {
            rows.insert(id, packed);
            sparse << id;
        }
        QCOMPARE(rows.size(), 64 + sparse.size());
        QVERIFY2(rows.bytes() <= rows.size() * 64, qPrintable(QString::number(rows.bytes())));
        for (const qint64 kept : sparse + QList<qint64> { 0, 63 }) {
            QString found;
            QVERIFY(rows.find(kept, &found));
            QCOMPARE(found, packed);
        }
    }

    void idsInNoOrderEndInOneRun()
    {
        // A dense range read in no order (a page's links, by id): once most are in the hash, one
        // run takes them all, 4 bytes a slot.
        QList<qint64> ids;
        for (qint64 id = 5000; id < 6000; ++id)
            ids << id;
        std::shuffle(ids.begin(), ids.end(), std::mt19937(3));
        PackedRows rows;
        const QString packed = linkpack::pack({ QStringLiteral("a") });
        for (const qint64 id : std::as_const(ids))
            rows.insert(id, packed);
        QCOMPARE(rows.size(), 1000);
        QVERIFY2(rows.bytes() <= 1000 * (4 + 1 + packed.size()) + 64 * 24,
            qPrintable(QString::number(rows.bytes())));
        for (const qint64 id : std::as_const(ids)) {
            QString found;
            QVERIFY(rows.find(id, &found));
            QCOMPARE(found, packed);
        }
        QVERIFY(!rows.contains(4999));
        QVERIFY(!rows.contains(6000));
    }

    // A link answers through both stores: a mapping to a row it has (Values, with them or
    // without: a caller that only asks whether to read it gets nothing unpacked), to a row it
    // does not have (Unknown), none (NotMapped).
    void aLinkAnswersWithOrWithoutTheValues()
    {
        const QString type = QStringLiteral("Organization");
        LinkHarvest harvest(
            { { type, QStringLiteral("accounts"), QStringLiteral("t.name") } }, 1 << 20);
        HarvestBatch batch;
        HarvestBatch::Event rows;
        rows.kind = HarvestBatch::Event::Kind::Rows;
        rows.table = QStringLiteral("accounts");
        rows.packed = { { 10, linkpack::pack({ QStringLiteral("Åcme") }) },
            { 11, linkpack::pack({ QStringLiteral("Büro") }) } };
        HarvestBatch::Event mappings;
        mappings.kind = HarvestBatch::Event::Kind::Mappings;
        mappings.mappings = { { type, 500, 10 }, { type, 501, 11 }, { type, 502, 12 } };
        batch.events.push_back(rows);
        batch.events.push_back(mappings);
        harvest.apply(batch);
        const LinkHarvest::Link *link = harvest.find(type);
        QVERIFY(link);
        using Answer = LinkHarvest::Link::Answer;
        QString packed;
        QCOMPARE(link->find(501, &packed), Answer::Values);
        QCOMPARE(linkpack::unpack(packed), QStringList { QStringLiteral("Büro") });
        QCOMPARE(link->find(501, nullptr), Answer::Values);
        QCOMPARE(link->find(502, &packed), Answer::Unknown);
        QCOMPARE(link->find(502, nullptr), Answer::Unknown);
        QCOMPARE(link->find(503, &packed), Answer::NotMapped);
        QCOMPARE(link->find(503, nullptr), Answer::NotMapped);
        QCOMPARE(link->railsId(500), 10);
        QCOMPARE(link->railsId(503), -1);
        QVERIFY(!link->resolves()); // 502's row is not there
    }

    void idMapsAnswerAsAHash()
    {
        const QList<qint64> ids = mixedIds();
        IdMap map;
        QHash<qint64, qint64> model;
        QRandomGenerator random(11);
        qint64 railsId = 500;
        for (int round = 0; round < 3; ++round) {
            for (const qint64 id : ids) {
                // Rails ids going up with the run, some older (below the first), some far above.
                const int kind = int(random.bounded(20));
                const qint64 value = kind == 0 ? qint64(random.bounded(400)) + 1
                    : kind == 1                ? 10'000'000'000'000 + id
                                               : railsId++;
                map.insert(id, value);
                model.insert(id, value);
                if (random.bounded(8) == 0) {
                    QCOMPARE(map.take(id), model.take(id));
                    QCOMPARE(map.take(id), -1);
                }
            }
            QCOMPARE(map.size(), model.size());
            qint64 sum = 0;
            qsizetype count = 0;
            map.forEachValue([&](qint64 value) {
                sum += value;
                ++count;
            });
            qint64 modelSum = 0;
            for (const qint64 value : std::as_const(model))
                modelSum += value;
            QCOMPARE(count, model.size());
            QCOMPARE(sum, modelSum);
            for (const qint64 id : ids)
                QCOMPARE(map.value(id), model.value(id, -1));
        }
        QCOMPARE(map.value(1001), -1);
        QCOMPARE(map.value(1001, -7), -7);
        map.clear();
        QVERIFY(map.isEmpty());
        QCOMPARE(map.value(ids.first()), -1);
    }
};

QTEST_GUILESS_MAIN(TstLinkHarvest)
#include "tst_linkharvest.moc"
