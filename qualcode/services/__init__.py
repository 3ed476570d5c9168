"""Use cases: each public function is one user action and one transaction."""
