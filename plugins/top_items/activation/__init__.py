"""Push each consumer's export table to its destination: ``select * from exp_...``, never a filter here."""
