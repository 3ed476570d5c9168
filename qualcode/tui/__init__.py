"""The interactive workbench (Textual). Only this package imports Textual."""
