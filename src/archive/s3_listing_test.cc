#include "cryptolake/archive/s3_listing.h"

#include <gtest/gtest.h>

namespace cryptolake::archive {
namespace {

TEST(S3ListingTest, ParsesContentsPrefixesAndPaginationFields) {
  // Shaped like the documented ListBucketResult, pretty-printed.
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>data.binance.vision</Name>
  <Prefix>data/futures/um/daily/trades/BTCUSDT/</Prefix>
  <Marker></Marker>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <NextMarker>data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2021-09-02.zip.CHECKSUM</NextMarker>
  <Contents>
    <Key>data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2026-09-01.zip</Key>
    <LastModified>2026-09-02T07:40:48.000Z</LastModified>
    <ETag>&quot;0123abcd&quot;</ETag>
    <Size>26293521</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2026-09-01.zip.CHECKSUM</Key>
    <Size>105</Size>
  </Contents>
  <CommonPrefixes><Prefix>data/futures/um/daily/trades/BTCUSDT/sub/</Prefix></CommonPrefixes>
</ListBucketResult>
)";
  auto r = ParseListBucketResult(xml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->prefix, "data/futures/um/daily/trades/BTCUSDT/");
  ASSERT_EQ(r->contents.size(), 2u);
  EXPECT_EQ(r->contents[0].key,
            "data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2026-09-01.zip");
  EXPECT_EQ(r->contents[0].size, 26293521u);
  EXPECT_EQ(r->contents[0].last_modified, "2026-09-02T07:40:48.000Z");
  EXPECT_EQ(r->contents[0].etag, "\"0123abcd\"");
  EXPECT_EQ(r->contents[1].size, 105u);
  // The root-level <Prefix> is not a common prefix.
  EXPECT_EQ(r->common_prefixes,
            std::vector<std::string>{"data/futures/um/daily/trades/BTCUSDT/sub/"});
  EXPECT_TRUE(r->is_truncated);
  EXPECT_EQ(r->NextPageMarker(), r->next_marker);
}

TEST(S3ListingTest, DecodesEntitiesCdataAndIgnoresNamespacesCommentsAttributes) {
  const char* xml =
      "<?xml version='1.0'?><!-- listing --><s3:ListBucketResult xmlns:s3='x' a=\"1>2\">"
      "<s3:Prefix>a&amp;b/</s3:Prefix><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a&amp;b/&lt;x&gt;&quot;&apos;&#233;&#x20AC;.zip</Key><Size>0</Size></"
      "Contents>"
      "<Contents><Key><![CDATA[a&b/raw<&>.zip]]></Key><Size> 7 </Size></Contents>"
      "<Marker/></s3:ListBucketResult>";
  auto r = ParseListBucketResult(xml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->prefix, "a&b/");
  ASSERT_EQ(r->contents.size(), 2u);
  EXPECT_EQ(r->contents[0].key, "a&b/<x>\"'\xC3\xA9\xE2\x82\xAC.zip");
  EXPECT_EQ(r->contents[1].key, "a&b/raw<&>.zip");
  EXPECT_EQ(r->contents[1].size, 7u);
  EXPECT_FALSE(r->is_truncated);
  EXPECT_EQ(r->NextPageMarker(), "");
}

TEST(S3ListingTest, NextPageMarkerFallsBackToLastKeyOrPrefix) {
  ListBucketResult r;
  r.is_truncated = true;
  r.contents.push_back({"p/a.zip", 1, "", ""});
  r.contents.push_back({"p/b.zip", 1, "", ""});
  EXPECT_EQ(r.NextPageMarker(), "p/b.zip");
  r.common_prefixes = {"p/c/"};
  EXPECT_EQ(r.NextPageMarker(), "p/c/");
  r.contents.push_back({"p/d.zip", 1, "", ""});
  EXPECT_EQ(r.NextPageMarker(), "p/d.zip");
  r.next_marker = "p/e";
  EXPECT_EQ(r.NextPageMarker(), "p/e");
  r.is_truncated = false;
  EXPECT_EQ(r.NextPageMarker(), "");
}

TEST(S3ListingTest, RejectsMalformedDocuments) {
  for (const char* bad : {
           "",
           "not xml",
           "<Error><Code>NoSuchBucket</Code></Error>",
           "<ListBucketResult><Contents><Key>a</Key>",                          // Truncated.
           "<ListBucketResult><Contents><Key>a</Contents></ListBucketResult>",  // Mismatch.
           "<ListBucketResult><Contents><Key>a</Key><Size>x</Size></Contents></ListBucketResult>",
           "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
           "<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
           "<ListBucketResult><Prefix>&bogus;</Prefix></ListBucketResult>",
           "<ListBucketResult><Prefix>&#xD800;</Prefix></ListBucketResult>",
           "<ListBucketResult></ListBucketResult><ListBucketResult></ListBucketResult>",
           "<ListBucketResult><!-- never closed </ListBucketResult>",
           "<ListBucketResult a=\"unterminated></ListBucketResult>",
       }) {
    auto r = ParseListBucketResult(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
    }
  }
}

TEST(S3ListingTest, BuildsEncodedQueries) {
  EXPECT_EQ(UrlEncodeQueryValue("data/spot/a b&c=d+e"), "data/spot/a%20b%26c%3Dd%2Be");
  EXPECT_EQ(BuildListObjectsQuery("data/spot/", "/", "", 0), "delimiter=/&prefix=data/spot/");
  EXPECT_EQ(BuildListObjectsQuery("p/", "", "p/x.zip", 2), "prefix=p/&marker=p/x.zip&max-keys=2");
  EXPECT_EQ(BuildListObjectsQuery("", "", "", 0), "");
}

}  // namespace
}  // namespace cryptolake::archive
