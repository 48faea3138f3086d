package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TermTest {

    @Test
    void the_next_term_is_one_epoch_up_until_the_maximum() {
        assertThat(Term.after(Term.NONE, "a")).isEqualTo(new Term(1, "a"));
        assertThat(Term.after(new Term(Term.MAX_EPOCH - 1, "b"), "a")).isEqualTo(new Term(Term.MAX_EPOCH, "a"));
    }

    @Test
    void no_term_follows_the_maximum_and_none_wraps_around() {
        assertThatThrownBy(() -> Term.after(new Term(Term.MAX_EPOCH, "b"), "a"))
                .isInstanceOf(Term.EpochsExhausted.class)
                .hasMessageContaining(String.valueOf(Term.MAX_EPOCH));
        // Before the bound, this made epoch Long.MIN_VALUE: a term no constructor accepts, and a partition that never started again.
        assertThatThrownBy(() -> Term.after(new Term(Long.MAX_VALUE, "b"), "a")).isInstanceOf(Term.EpochsExhausted.class);
    }

    @Test
    void only_epochs_up_to_the_maximum_are_in_range() {
        assertThat(new Term(0, "a").inRange()).isTrue();
        assertThat(new Term(Term.MAX_EPOCH, "a").inRange()).isTrue();
        assertThat(new Term(Term.MAX_EPOCH + 1, "a").inRange()).isFalse();
        assertThat(new Term(Long.MAX_VALUE, "a").inRange()).isFalse();
        assertThat(Term.MAX_EPOCH).isLessThan(Long.MAX_VALUE / 2);
    }
}
