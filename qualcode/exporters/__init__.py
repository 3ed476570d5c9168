"""Writers that turn domain objects into files for other tools and for publications."""
