package io.ringwork.runtime.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiTokensTest {
    private static final String SECRET = "rwt_test-secret";

    @Test
    void aSecretAuthenticatesAsItsTokenAndNothingElseDoes() {
        ApiTokens tokens = ApiTokens.parse(List.of("# comment", "", ApiTokens.line("acme-app", SECRET, List.of("tenant:acme", "read"))),
                "tokens");
        Principal principal = tokens.authenticate(SECRET);
        assertThat(principal.name()).isEqualTo("acme-app");
        assertThat(principal.scopes()).containsExactlyInAnyOrder(new Scope.Tenant("acme"), new Scope.Read());
        assertThat(tokens.authenticate(SECRET + "x")).isNull();
        assertThat(tokens.authenticate("")).isNull();
        assertThat(tokens.authenticate(null)).isNull();
        assertThat(tokens.authenticate("a".repeat(10_000))).as("refused before hashing").isNull();
    }

    @Test
    void newSecretsAreRandomAndMarked() {
        SecureRandom random = new SecureRandom();
        String one = ApiTokens.newSecret(random);
        assertThat(one).startsWith(ApiTokens.SECRET_PREFIX).hasSizeGreaterThan(40).isNotEqualTo(ApiTokens.newSecret(random));
    }

    @Test
    void aBadFileIsRefusedWithItsLineAndWhatIsWrong() {
        String good = ApiTokens.line("ops", SECRET, List.of("admin"));
        assertThatThrownBy(() -> ApiTokens.parse(List.of(good, "x sha256:abc admin"), "f"))
                .hasMessageContaining("f line 2").hasMessageContaining("64 lowercase hex");
        assertThatThrownBy(() -> ApiTokens.parse(List.of(good.replace("admin", "root")), "f"))
                .hasMessageContaining("f line 1").hasMessageContaining("unknown scope 'root'");
        assertThatThrownBy(() -> ApiTokens.parse(List.of(good, ApiTokens.line("ops", "other", List.of("read"))), "f"))
                .hasMessageContaining("line 2").hasMessageContaining("'ops' is used twice");
        assertThatThrownBy(() -> ApiTokens.parse(List.of(good, good.replace("ops ", "ops2 ")), "f"))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> ApiTokens.parse(List.of("ops sha256:" + "a".repeat(64)), "f")).hasMessageContaining("expected");
        assertThatThrownBy(() -> ApiTokens.parse(List.of("# nothing"), "f")).hasMessageContaining("lists no token");
        assertThatThrownBy(() -> ApiTokens.parse(List.of(good.replace("admin", "tenant:a/b")), "f")).hasMessageContaining("no '/'");
    }

    @Test
    void aTenantReadsAndWritesItsOwnKeysOnly() {
        Principal acme = new Principal("acme", java.util.Set.of(new Scope.Tenant("acme")));
        assertThat(acme.reads("acme/doc")).isTrue();
        assertThat(acme.writes("acme/doc")).isTrue();
        assertThat(acme.reads("acmeco/doc")).as("a prefix of another tenant's name is not its name").isFalse();
        assertThat(acme.reads("globex/doc")).isFalse();
        assertThat(acme.reads("acme")).as("a key with no tenant segment").isFalse();
        assertThat(acme.readsAll()).isFalse();
        Principal reader = new Principal("r", java.util.Set.of(new Scope.Read()));
        assertThat(reader.reads("globex/doc")).isTrue();
        assertThat(reader.writes("globex/doc")).isFalse();
        assertThat(reader.readableKeys().test("anything")).isTrue();
        assertThat(Principal.OPEN.writes("x/y")).isTrue();
    }

    @Test
    void aKvScopeReachesTheStoresKeysUnderItsPrefixAndATenantNamedKvReachesNone() {
        Principal app = new Principal("app", java.util.Set.of(new Scope.KvPrefix("app/")));
        assertThat(app.writes("kv/app/config")).isTrue();
        assertThat(app.reads("kv/app/config")).isTrue();
        assertThat(app.writes("kv/other/config")).isFalse();
        assertThat(app.writes("app/doc")).as("a kv scope is not a tenant").isFalse();
        assertThat(app.readableKeys().test("kv/app/x")).isTrue();
        Principal all = new Principal("all", java.util.Set.of(new Scope.KvPrefix("")));
        assertThat(all.writes("kv/anything")).isTrue();
        Principal tenantKv = new Principal("t", java.util.Set.of(new Scope.Tenant("kv")));
        assertThat(tenantKv.writes("kv/anything")).as("the store's keys belong to kv: scopes only").isFalse();
        assertThat(tenantKv.reads("kv/anything")).isFalse();
    }

    @Test
    void theHealthScopeReachesTheTargetsAndATenantNamedHealthDoesNot() {
        Principal checker = new Principal("ops", java.util.Set.of(new Scope.Health()));
        assertThat(checker.writes("health/web-1")).isTrue();
        assertThat(checker.reads("health/")).isTrue();
        assertThat(checker.writes("kv/x")).isFalse();
        assertThat(checker.writes("acme/doc")).isFalse();
        Principal tenantHealth = new Principal("t", java.util.Set.of(new Scope.Tenant("health")));
        assertThat(tenantHealth.writes("health/web-1")).as("targets belong to the health scope only").isFalse();
    }
}
