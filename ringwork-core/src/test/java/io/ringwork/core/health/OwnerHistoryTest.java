package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnerHistoryTest {

    @Test
    void anOwnerFoundByTheFirstPlanHasNoMoveTimeSoItIsNeverFresh() {
        // A joiner's first plan at 40,300 finds n1; its plan names the joiner at 56,700.
        OwnerHistory history = new OwnerHistory();
        history.observe(7, "n1", 40_300);
        history.observe(7, "n4", 56_700);
        assertThat(history.owner(7)).isEqualTo("n4");
        assertThat(history.ownerNamedMs(7, -1)).isEqualTo(56_700);
        assertThat(history.previousOwner(7)).isEqualTo("n1");
        assertThat(history.previousOwnerMovedMs(7)).as("n1 did not get it at 40,300: that is just when this node looked").isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void anOwnerThisNodeSawTheMoveToCarriesItsTime() {
        OwnerHistory history = new OwnerHistory();
        history.observe(0, "n3", 10_000);
        history.observe(0, "n4", 32_500); // the joiner
        history.observe(0, "n3", 52_000); // the joiner failed
        assertThat(history.previousOwner(0)).isEqualTo("n4");
        assertThat(history.previousOwnerMovedMs(0)).isEqualTo(32_500);
        history.observe(0, "n3", 53_000);
        assertThat(history.ownerNamedMs(0, -1)).as("the same owner again changes nothing").isEqualTo(52_000);
        assertThat(history.ownerNamedMs(1, -1)).isEqualTo(-1);
    }
}
