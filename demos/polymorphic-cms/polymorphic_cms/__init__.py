"""polymorphic-cms — "The Shapeshifter's Archive": single-table inheritance with coodie's Discriminator."""
