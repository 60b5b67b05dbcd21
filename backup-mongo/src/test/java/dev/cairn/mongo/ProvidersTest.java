package dev.cairn.mongo;

import dev.cairn.Adapters;
import dev.cairn.ConfigurationException;
import dev.cairn.restore.RestoreTargetProvider;
import dev.cairn.source.SourceProvider;
import dev.cairn.verify.DrillProvider;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Providers and builders, without a server. */
class ProvidersTest {
    private static final Map<String, String> ENV = Map.of("CAIRN_MONGODB_PASSWORD", "pw");

    @Test
    void serviceLoader_mongodbSchemes_registered() {
        assertThat(ServiceLoader.load(SourceProvider.class).stream().map(p -> p.get().scheme()))
                .contains("mongodb", "mongodb+srv");
        assertThat(ServiceLoader.load(RestoreTargetProvider.class).stream().map(p -> p.get().scheme()))
                .contains("mongodb", "mongodb+srv");
        assertThat(ServiceLoader.load(DrillProvider.class).stream().map(p -> p.get().sourceKind()))
                .contains("mongodb");
    }

    @Test
    void source_uri_selectsDatabaseAndCollectionsAndKeepsOptionsOutOfDescriptor() {
        var s = Adapters.source("mongodb://backup@db1:27017,db2:27018/shop?replicaSet=rs0&authSource=admin"
                + "&collections=orders,customers&authMechanismProperties=AWS_SESSION_TOKEN:tok", ENV);
        assertThat(s.kind()).isEqualTo("mongodb");
        assertThat(s.chunking()).isEqualTo("stream");
        assertThat(s.descriptor()).isEqualTo("mongodb://backup@db1:27017,db2:27018/shop [shop.customers, shop.orders]");
        assertThat(Adapters.source("mongodb://db1/", Map.of()).descriptor()).isEqualTo("mongodb://db1/");
        assertThat(Adapters.source("mongodb+srv://cluster0.example.net/shop", Map.of()).descriptor())
                .isEqualTo("mongodb+srv://cluster0.example.net/shop [shop]");
    }

    @Test
    void source_badUris_refusedNamingThePart() {
        assertThatThrownBy(() -> Adapters.source("mongodb://db1/?collections=a", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("collections= needs a database");
        assertThatThrownBy(() -> Adapters.source("mongodb://db1/shop?requirePointInTime=maybe", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("must be true or false: maybe");
        assertThatThrownBy(() -> Adapters.source("mongodb:///shop", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("no host");
        assertThatThrownBy(() -> Adapters.source("mongodb://db1/sh.op", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("must not contain '.'");
    }

    @Test
    void target_uri_mapsDatabasesAndOverwrite() {
        var t = Adapters.restoreTarget("mongodb://restore@db2/?authSource=admin&map=shop=shop2,crm=crm2&overwrite=true",
                ENV);
        assertThat(t.descriptor()).isEqualTo("mongodb://restore@db2/ [shop=shop2, crm=crm2]");
        assertThat(Adapters.restoreTarget("mongodb://db2/shop_restored", Map.of()).descriptor())
                .isEqualTo("mongodb://db2/shop_restored");
        assertThatThrownBy(() -> Adapters.restoreTarget("mongodb://db2/?map=shop", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("map entries are from=to");
    }

    @Test
    void builders_misuse_throwNamingTheParameter() {
        assertThatThrownBy(() -> MongoSource.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectionString must be given");
        assertThatThrownBy(() -> MongoSource.builder().database("a.b")).hasMessage("database must not contain '.': a.b");
        assertThatThrownBy(() -> MongoSource.builder().collection("shop", "$x"))
                .hasMessageContaining("collection must not contain NUL or start with '$'");
        assertThatThrownBy(() -> MongoSource.builder().batchSize(-1)).hasMessage("batchSize must not be negative: -1");
        assertThatThrownBy(() -> MongoSource.builder().connectionString("http://db1/"))
                .hasMessageContaining("connectionString is not a valid MongoDB connection string");
        assertThatThrownBy(() -> MongoSource.builder().connectionString("mongodb://backup@db1/").build())
                .hasMessageContaining("needs a password: give it with password(Secret)");
        assertThatThrownBy(() -> MongoRestore.builder().mapDatabase("shop", "")).hasMessage("to must not be blank");
        assertThatThrownBy(() -> MongoRestore.builder().batch(0, 1)).hasMessageContaining("batch documents");
        assertThatThrownBy(() -> MongoDrill.builder().build()).hasMessage("connectionString must be given");
    }

    @Test
    void builder_passwordBeforeOrAfterConnectionString_accepted() {
        var secret = dev.cairn.Secret.of("pw".toCharArray());
        assertThat(MongoSource.builder().password(secret).connectionString("mongodb://u@db1/").build().descriptor())
                .isEqualTo("mongodb://u@db1/");
        assertThat(MongoSource.builder().connectionString("mongodb://u@db1/").password(secret).build().descriptor())
                .isEqualTo("mongodb://u@db1/");
        assertThatThrownBy(() -> MongoSource.builder().connectionString("mongodb://db1/").password(secret).build())
                .hasMessageContaining("names no user");
        assertThat(new MongoSource.Provider().create(URI.create("mongodb://CN=client@db1/?authMechanism=MONGODB-X509"),
                Map.of()).descriptor()).isEqualTo("mongodb://CN=client@db1/");
    }
}
