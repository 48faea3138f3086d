package io.ringwork.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    @Test
    void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(Suggestions.distance("http", "http")).isZero();
        assertThat(Suggestions.distance("htp", "http")).isEqualTo(1);
        assertThat(Suggestions.distance("htpp", "http")).isEqualTo(1);
        assertThat(Suggestions.distance("hpt", "http")).isEqualTo(2);
        assertThat(Suggestions.distance("", "bind")).isEqualTo(4);
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
    }

    @Test
    void theNearestCandidateIsSuggestedOnlyWhenItIsAPlausibleTypo() {
        List<String> keys = List.of("bind", "http", "peer", "replication-factor");
        assertThat(Suggestions.nearest("HTTP", keys)).contains("http");
        assertThat(Suggestions.nearest("replicationfactor", keys)).contains("replication-factor");
        assertThat(Suggestions.nearest("something-else-entirely", keys)).isEmpty();
        assertThat(Suggestions.didYouMean("pear", keys)).isEqualTo(" (did you mean 'peer'?)");
        assertThat(Suggestions.didYouMean("zzzzzzzzzzzzz", keys)).isEmpty();
    }
}
