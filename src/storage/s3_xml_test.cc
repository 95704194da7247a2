#include "cryptolake/storage/s3_xml.h"

#include <gtest/gtest.h>

namespace cryptolake::storage {
namespace {

TEST(S3XmlTest, ParsesContentsPrefixesAndPaginationFields) {
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

TEST(S3XmlTest, DecodesEntitiesCdataAndIgnoresNamespacesCommentsAttributes) {
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

TEST(S3XmlTest, NextPageMarkerFallsBackToLastKeyOrPrefix) {
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

TEST(S3XmlTest, RejectsMalformedDocuments) {
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

TEST(S3XmlTest, BuildsEncodedQueries) {
  EXPECT_EQ(UrlEncodeQueryValue("data/spot/a b&c=d+e"), "data/spot/a%20b%26c%3Dd%2Be");
  EXPECT_EQ(BuildListObjectsQuery("data/spot/", "/", "", 0), "delimiter=/&prefix=data/spot/");
  EXPECT_EQ(BuildListObjectsQuery("p/", "", "p/x.zip", 2), "prefix=p/&marker=p/x.zip&max-keys=2");
  EXPECT_EQ(BuildListObjectsQuery("", "", "", 0), "");
}

TEST(S3XmlTest, ReadsErrorDocuments) {
  auto e = ParseS3Error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The resource &lt;x&gt; does not exist.</Message>
<Key>a/b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>)");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->code, "NoSuchKey");
  EXPECT_EQ(e->message, "The resource <x> does not exist.");
  EXPECT_TRUE(ParseS3Error("<ListBucketResult/>").status().IsCorruption());
  EXPECT_TRUE(ParseS3Error("").status().IsCorruption());
}

TEST(S3XmlTest, ReadsMultipartUploadDocuments) {
  auto id = ParseInitiateMultipartUploadResult(
      R"(<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>)");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "VXBsb2FkIElE");
  EXPECT_TRUE(ParseInitiateMultipartUploadResult("<InitiateMultipartUploadResult/>")
                  .status()
                  .IsCorruption());

  EXPECT_TRUE(
      ParseCompleteMultipartUploadResult("  \n<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag>"
                                         "</CompleteMultipartUploadResult>")
          .ok());
  // A late failure comes as an Error document with status 200.
  Status late = ParseCompleteMultipartUploadResult(
      "\n\n<Error><Code>InternalError</Code><Message>try again</Message></Error>");
  EXPECT_TRUE(late.IsIOError()) << late.ToString();
  EXPECT_NE(late.message().find("InternalError"), std::string::npos);
  EXPECT_TRUE(ParseCompleteMultipartUploadResult("<Other/>").IsCorruption());

  EXPECT_EQ(BuildCompleteMultipartUpload({"\"a&b\"", "\"c\""}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;a&amp;b&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;c&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

TEST(S3XmlTest, ReadsListMultipartUploadsPages) {
  auto page = ParseListMultipartUploadsResult(R"(<ListMultipartUploadsResult>
  <Bucket>b</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>lake/b</NextKeyMarker><NextUploadIdMarker>id2</NextUploadIdMarker>
  <IsTruncated>true</IsTruncated>
  <Upload><Key>lake/a</Key><UploadId>id1</UploadId><Initiated>2026-01-02T03:04:05.000Z</Initiated>
    <Owner><ID>x</ID></Owner></Upload>
  <Upload><Key>lake/b</Key><UploadId>id2</UploadId><Initiated>2026-01-03T00:00:00.000Z</Initiated></Upload>
</ListMultipartUploadsResult>)");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->uploads.size(), 2u);
  EXPECT_EQ(page->uploads[0].key, "lake/a");
  EXPECT_EQ(page->uploads[0].upload_id, "id1");
  EXPECT_EQ(page->uploads[0].initiated, "2026-01-02T03:04:05.000Z");
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_key_marker, "lake/b");
  EXPECT_EQ(page->next_upload_id_marker, "id2");
  EXPECT_TRUE(
      ParseListMultipartUploadsResult("<ListMultipartUploadsResult><Upload><Key>k</Key></Upload>"
                                      "</ListMultipartUploadsResult>")
          .status()
          .IsCorruption());
}

}  // namespace
}  // namespace cryptolake::storage
