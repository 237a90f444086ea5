"""The knowledge base: cited bilingual articles, the district configuration, retrieval, public pages."""
