from django.urls import path

from search import feeds, views

app_name = "search"
urlpatterns = [
    path("", views.search, name="search"),
    path("feed.atom", feeds.SearchFeed(), name="feed_atom"),
    path("feed.rss", feeds.SearchRssFeed(), name="feed_rss"),
]
